"""Writing the shared records: the transition log, activities and notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ltc.core.tasks import publish_on_commit

from .models import Activity, Notification, TransitionLog


def log_transition(
    *, obj, transition: str, source: str, target: str, actor=None, comment: str = "", at=None
) -> TransitionLog:
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        transition=transition,
        source=source,
        target=target,
        actor=actor,
        comment=comment or "",
        at=at or timezone.now(),
    )


def log_transitions_bulk(
    *,
    model,
    object_ids: Iterable[int],
    transition: str,
    source: str,
    target: str,
    actor=None,
    comment: str = "",
    at: datetime | None = None,
) -> int:
    content_type = ContentType.objects.get_for_model(model)
    at = at or timezone.now()
    rows = [
        TransitionLog(
            content_type=content_type,
            object_id=object_id,
            transition=transition,
            source=source,
            target=target,
            actor=actor,
            comment=comment,
            at=at,
        )
        for object_id in object_ids
    ]
    TransitionLog.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def record_activity(*, obj, kind: str, note: str, actor, occurred_at=None) -> Activity:
    return Activity.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        kind=kind,
        note=note,
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
    )


def notify(recipients: Iterable, *, kind: str, params: dict, url: str = "") -> int:
    return notify_many([(r, kind, params, url) for r in recipients])


def notify_many(items: Iterable[tuple]) -> int:
    """Insert notifications in bulk from ``(recipient or id, kind, params, url)``; e-mails follow
    through the Celery task after commit (and the beat sweep if the broker is down)."""
    now = timezone.now()
    rows = []
    for recipient, kind, params, url in items:
        recipient_id = getattr(recipient, "pk", recipient)
        if recipient_id is None:
            continue
        rows.append(
            Notification(
                recipient_id=recipient_id, kind=kind, params=params, url=url, created_at=now
            )
        )
    if rows:
        Notification.objects.bulk_create(rows, batch_size=2000)
        from .tasks import deliver_notification_emails

        publish_on_commit(deliver_notification_emails)
    return len(rows)


def transitions_of(obj):
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def activities_of(obj):
    return Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")
