"""Webhook work on Celery: thin, idempotent wrappers (a task run twice sends nothing twice)."""

from celery import shared_task

from . import webhooks


@shared_task(name="ltc.integrations.tasks.deliver_webhook", acks_late=True)
def deliver_webhook(key: str) -> str:
    return webhooks.deliver(key)


@shared_task(name="ltc.integrations.tasks.sweep_outbox", acks_late=True)
def sweep_outbox() -> int:
    return webhooks.sweep()
