"""Notifications that reach people: the per-kind choice of each user, the outbox the e-mails
and group-robot posts are written to in the change's own transaction, and their delivery with
retries and back-off.

Delivery holds the message's row lock while it sends, and marks it sent in the same
transaction, so two workers never send one message; a message whose SMTP server is down stays
pending and is tried again later (1, 2, 4… minutes, at most 6 hours apart) until it is sent or
``MAX_ATTEMPTS`` is reached. A permanent refusal (a 5xx answer, a refused recipient) fails it
at once. Failed messages are listed in the admin, which can send them again.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from . import notices
from .models import (
    NotificationPreference,
    OutboxChannel,
    OutboxMessage,
    OutboxState,
    TeamAlertHook,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LONGEST_WAIT = timedelta(hours=6)
WEBHOOK_TIMEOUT = 10


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4… minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), LONGEST_WAIT)


# Preferences ---------------------------------------------------------------------------------
def preferences(user_ids: Iterable[int]) -> dict[tuple[int, str], tuple[bool, bool]]:
    """(user, kind) → (in the app, by e-mail) for the choices made; no entry: both."""
    return {
        (user_id, kind): (in_app, email)
        for user_id, kind, in_app, email in NotificationPreference.objects.filter(
            user_id__in=list(user_ids)
        ).values_list("user_id", "kind", "in_app", "email")
    }


@transaction.atomic
def set_preferences(*, user, choices: dict[str, tuple[bool, bool]], digest: bool) -> None:
    """Save a user's choices: kind → (in the app, by e-mail); both on is the default and is
    stored as no row."""
    from .models import MorningDigest

    known = set(notices.kinds())
    NotificationPreference.objects.filter(user=user).exclude(kind__in=known).delete()
    for kind in known:
        in_app, email = choices.get(kind, (True, True))
        if in_app and email:
            NotificationPreference.objects.filter(user=user, kind=kind).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"in_app": in_app, "email": email}
            )
    if digest:
        MorningDigest.objects.get_or_create(user=user)
    else:
        MorningDigest.objects.filter(user=user).delete()


# Writing the outbox ----------------------------------------------------------------------------
def _link(url: str) -> str:
    base = getattr(settings, "LTC_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if (base and url) else url


def queue_for_notifications(notifications: list, *, handed_over: bool = False) -> int:
    """Write the e-mails (for recipients who want this kind by e-mail and have an address) and
    the group-robot posts (for the manager alerts of a team with a webhook) of these
    notifications, and mark them handed over (unless they were written so). Runs in the
    caller's transaction."""
    from ltc.org.models import User

    from .models import Notification

    if not notifications:
        return 0
    now = timezone.now()
    ids = {n.recipient_id for n in notifications}
    users = {
        u.pk: u for u in User.objects.filter(pk__in=ids).only("id", "email", "language", "team")
    }
    chosen = preferences(ids)
    hooks: dict[int, list[TeamAlertHook]] = defaultdict(list)
    if any(notices.is_manager_alert(n.kind) for n in notifications):
        for hook in TeamAlertHook.objects.filter(active=True, team__leader_id__in=ids):
            hooks[hook.team.leader_id].append(hook)
    rows = []
    for notification in notifications:
        user = users.get(notification.recipient_id)
        if user is None:
            continue
        _in_app, by_email = chosen.get((user.pk, notification.kind), (True, True))
        if by_email and user.email:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                text = notification.text
            rows.append(
                OutboxMessage(
                    channel=OutboxChannel.EMAIL,
                    to=user.email,
                    subject=f"[LTC] {text[:80]}",
                    body="\n\n".join(p for p in (text, _link(notification.url)) if p),
                    kind=notification.kind,
                    next_attempt_at=now,
                )
            )
        for hook in hooks.get(user.pk, []):
            with translation.override(settings.LANGUAGE_CODE):
                text = notification.text
            rows.append(
                OutboxMessage(
                    channel=OutboxChannel.WEBHOOK,
                    to=hook.url,
                    subject=str(hook.team)[:200],
                    body="\n".join(p for p in (text, _link(notification.url)) if p),
                    kind=notification.kind,
                    next_attempt_at=now,
                )
            )
    OutboxMessage.objects.bulk_create(rows, batch_size=1000)
    if not handed_over:
        handed = [n.pk for n in notifications]
        for start in range(0, len(handed), 500):  # SQLite's limit of parameters per statement
            Notification.objects.filter(pk__in=handed[start : start + 500]).update(emailed_at=now)
    if rows:
        publish_sending()
    return len(rows)


def queue_email(*, to: str, subject: str, body: str, kind: str = "") -> OutboxMessage:
    message = OutboxMessage.objects.create(
        channel=OutboxChannel.EMAIL,
        to=to,
        subject=subject[:200],
        body=body,
        kind=kind,
        next_attempt_at=timezone.now(),
    )
    publish_sending()
    return message


def publish_sending() -> None:
    from ltc.core.tasks import publish_on_commit

    from .tasks import send_due_outbox

    publish_on_commit(send_due_outbox)


def queue_pending_notifications(*, limit: int = 500) -> int:
    """Hand the notifications written without the outbox (the SQL sweeps insert them directly)
    to the outbox, in one transaction: each is handed over once."""
    from .models import Notification

    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True)
            .order_by("id")[:limit]
        )
        return queue_for_notifications(pending)


# Sending ---------------------------------------------------------------------------------------
class PermanentFailure(Exception):
    """The receiving side refused the message for good: trying again would not help."""


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, PermanentFailure | smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def _send_email(message: OutboxMessage) -> None:
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
    ).send(fail_silently=False)


def _post_webhook(message: OutboxMessage) -> None:
    """WeCom and DingTalk group robots take the same text message."""
    body = json.dumps({"msgtype": "text", "text": {"content": message.body}}).encode()
    request = urllib.request.Request(
        message.to, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code != 429:
            raise PermanentFailure(f"HTTP {exc.code}") from exc
        raise
    if answer.get("errcode", 0) != 0:
        raise PermanentFailure(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


SENDERS = {OutboxChannel.EMAIL: _send_email, OutboxChannel.WEBHOOK: _post_webhook}


def send_message(*, pk: int, now: datetime | None = None) -> str:
    """Try one due message: "sent", "retry" (kept for later), "failed" or "skipped" (not due,
    already sent, or being sent by another worker)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, state=OutboxState.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return "skipped"
        message.attempts += 1
        try:
            SENDERS[message.channel](message)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if _is_permanent(exc) or message.attempts >= MAX_ATTEMPTS:
                message.mark_failed()
                outcome = "failed"
                log.error("outbox message %s failed for good: %s", pk, message.last_error)
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                outcome = "retry"
                log.warning("outbox message %s: %s; retrying", pk, message.last_error)
            message.save()
            return outcome
        message.mark_sent()
        message.sent_at = now
        message.save()
        return "sent"


def send_due(*, limit: int = 200, now: datetime | None = None) -> int:
    """Send the messages whose time has come; returns how many went out."""
    now = now or timezone.now()
    ids = list(
        OutboxMessage.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(send_message(pk=pk, now=now) == "sent" for pk in ids)


@transaction.atomic
def retry_failed(*, ids: Iterable[int]) -> int:
    """The admin's "send again": failed messages go back to pending with fresh attempts."""
    count = 0
    for message in OutboxMessage.objects.select_for_update().filter(
        pk__in=list(ids), state=OutboxState.FAILED
    ):
        message.retry()
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save()
        count += 1
    if count:
        publish_sending()
    return count
