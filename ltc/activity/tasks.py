"""Thin Celery wrappers around the outbox and the digest. Each is idempotent: a message is sent
once whatever runs it how often; retries with back-off are the outbox's (a message not sent is
tried again at its next attempt time), and a task that fails as a whole (the database away) is
retried by Celery with its own back-off."""

import logging

from celery import shared_task
from django.db import DatabaseError

from . import digest, outbox

log = logging.getLogger(__name__)

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="ltc.activity.tasks.send_due_outbox", **RETRY)
def send_due_outbox(limit: int = 200) -> int:
    """Send the outbox messages whose time has come (after a commit, and every minute)."""
    return outbox.send_due(limit=limit)


@shared_task(name="ltc.activity.tasks.deliver_notification_emails", **RETRY)
def deliver_notification_emails(limit: int = 500) -> int:
    """The minute sweep: notifications written straight by SQL (the recovery sweep) are handed
    to the outbox, then whatever is due is sent."""
    outbox.queue_pending_notifications(limit=limit)
    return outbox.send_due()


@shared_task(name="ltc.activity.tasks.send_morning_digests", **RETRY)
def send_morning_digests() -> int:
    return digest.send_morning_digests()
