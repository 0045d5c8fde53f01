"""Periodic lead work, thin wrappers over the services (idempotent: safe to run twice)."""

from celery import shared_task

from . import services


@shared_task(name="leads.tasks.recover_overdue_leads")
def recover_overdue_leads() -> int:
    return services.recover_overdue_leads()


@shared_task(name="leads.tasks.warn_leads_due_soon")
def warn_leads_due_soon() -> int:
    return services.warn_leads_due_soon()
