import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from .models import Notification

log = logging.getLogger(__name__)


@shared_task(name="ltc.activity.tasks.deliver_notification_emails")
def deliver_notification_emails(limit: int = 500) -> int:
    """E-mail notifications that were not yet sent. Each row is claimed by a conditional update
    before sending, so two workers never send the same one."""
    sent = 0
    pending = (
        Notification.objects.filter(emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("id")[:limit]
    )
    for notification in pending:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        recipient = notification.recipient
        if not recipient.email:
            continue
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            text = notification.text
            try:
                send_mail(
                    subject=f"[LTC] {text[:80]}",
                    message=text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[recipient.email],
                )
                sent += 1
            except Exception:
                log.exception("e-mail to %s failed", recipient.email)
    return sent
