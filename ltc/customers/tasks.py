"""Periodic customer-pool work, thin wrappers over the sweeps (idempotent: safe to run twice)."""

from celery import shared_task

from . import pool_sweeps


@shared_task(name="ltc.customers.tasks.recover_idle_customers")
def recover_idle_customers() -> int:
    return pool_sweeps.recover_idle_customers()


@shared_task(name="ltc.customers.tasks.warn_customers_due_soon")
def warn_customers_due_soon() -> int:
    return pool_sweeps.warn_customers_due_soon()
