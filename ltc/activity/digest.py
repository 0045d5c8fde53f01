"""The morning digest: one e-mail a day for the users who chose it, with the day's activities,
the leads due and what waits for their approval. Chain apps register their sections (this app
imports none of them); each section is ``provider(user, now) -> (title, [lines])``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import MorningDigest, PlannedActivity

_SECTIONS: list[Callable] = []


def register(provider: Callable) -> Callable:
    _SECTIONS.append(provider)
    return provider


@register
def todays_activities(user, now: datetime) -> tuple[str, list[str]]:
    rows = (
        PlannedActivity.objects.filter(owner=user)
        .today_and_overdue(now)
        .order_by("due_at", "id")[:50]
    )
    lines = []
    for planned in rows:
        when = date_format(timezone.localtime(planned.due_at), "SHORT_DATETIME_FORMAT")
        late = f" ({_('overdue')})" if planned.is_overdue(now) else ""
        lines.append(f"{when}{late} · {planned.get_kind_display()}: {planned.title}")
    return _("Today's and overdue activities"), lines


def body_for(user, now: datetime) -> str:
    """The digest's text, or "" when every section is empty."""
    parts = []
    for provider in _SECTIONS:
        title, lines = provider(user, now)
        if lines:
            parts.append("\n".join([str(title), *(f"- {line}" for line in lines)]))
    return "\n\n".join(parts)


def send_morning_digests(*, now: datetime | None = None) -> int:
    """Queue today's digest of each subscriber once (a second run the same day queues none)."""
    from .outbox import queue_email

    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    subscribers = (
        MorningDigest.objects.filter(user__is_active=True)
        .exclude(last_sent_on=today)
        .values_list("pk", flat=True)
    )
    for pk in list(subscribers):
        with transaction.atomic():
            digest = (
                MorningDigest.objects.select_for_update()
                .select_related("user")
                .filter(pk=pk)
                .exclude(last_sent_on=today)
                .first()
            )
            if digest is None:
                continue
            user = digest.user
            with translation.override(user.language or settings.LANGUAGE_CODE):
                body = body_for(user, now)
                subject = _("[LTC] Your day, %(date)s") % {"date": date_format(today)}
            if body and user.email:
                queue_email(to=user.email, subject=subject, body=body, kind="morning_digest")
                queued += 1
            digest.last_sent_on = today
            digest.save(update_fields=["last_sent_on"])
    return queued
