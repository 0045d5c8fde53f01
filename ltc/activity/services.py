"""Writing the shared records: the transition log, activities and notifications."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.dates import check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.org.models import Role
from ltc.org.scoping import manages

from .models import (
    Activity,
    ActivityKind,
    CalendarFeed,
    Notification,
    PlannedActivity,
    PlannedState,
    TransitionLog,
)


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
    """Insert notifications in bulk from ``(recipient or id, kind, params, url)``, with their
    e-mails and group-robot posts in the outbox, in the caller's transaction; a Celery task
    sends them after commit (and the minute sweep if the broker is down)."""
    now = timezone.now()
    rows = []
    for recipient, kind, params, url in items:
        recipient_id = getattr(recipient, "pk", recipient)
        if recipient_id is None:
            continue
        rows.append(
            Notification(
                recipient_id=recipient_id,
                kind=kind,
                params=params,
                url=url,
                created_at=now,
                emailed_at=now,  # handed to the outbox below, in the same transaction
            )
        )
    if rows:
        from .outbox import queue_for_notifications

        # No savepoint inside the caller's transaction; its own one otherwise.
        with transaction.atomic(savepoint=False):
            Notification.objects.bulk_create(rows, batch_size=2000)
            queue_for_notifications(rows, handed_over=True)
    return len(rows)


def transitions_of(obj):
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def activities_of(obj):
    return Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


# Planned activities --------------------------------------------------------------------------
def may_plan_for(user, owner) -> bool:
    """One plans for oneself; a manager also for the people of the teams they lead."""
    if owner is None:
        return False
    return (
        owner.pk == user.pk or user.is_superuser or user.role == Role.ADMIN or manages(user, owner)
    )


def _subject_or_refuse(*, user, subject_key: str, subject_id) -> tuple:
    from .subjects import by_key

    subject = by_key(subject_key or "")
    if subject is None:
        raise InvalidInput(_("Choose what the activity is about."), "subject_type")
    try:
        obj = subject.visible(user).get(pk=int(subject_id))
    except (TypeError, ValueError, subject.model.DoesNotExist):
        raise InvalidInput(_("This record does not exist or is not visible to you."), "subject_id")
    return subject, obj


@transaction.atomic
def plan_activity(
    *,
    by,
    subject_type: str,
    subject_id: int,
    kind: str,
    title: str,
    due_at: datetime,
    owner=None,
    note: str = "",
    duration_minutes: int = 30,
) -> PlannedActivity:
    subject, obj = _subject_or_refuse(user=by, subject_key=subject_type, subject_id=subject_id)
    if kind not in ActivityKind.values:
        raise InvalidInput(_("Choose call, meeting, visit, e-mail or to-do."), "kind")
    if not (title or "").strip():
        raise InvalidInput(_("Say what is planned."), "title")
    if due_at is None or timezone.is_naive(due_at) or not 2000 <= due_at.year <= 2999:
        raise InvalidInput(_("Give the date and time it is due."), "due_at")
    check_business_date(timezone.localtime(due_at).date(), field="due_at")
    if not 1 <= int(duration_minutes or 0) <= 24 * 60:
        raise InvalidInput(_("The duration is 1 to 1440 minutes."), "duration_minutes")
    owner = owner or by
    if not may_plan_for(by, owner):
        raise InvalidInput(
            _("You may plan activities for yourself and the people of the teams you lead."),
            "owner",
        )
    planned = PlannedActivity.objects.create(
        kind=kind,
        title=title.strip(),
        note=note or "",
        due_at=due_at,
        duration_minutes=int(duration_minutes),
        owner=owner,
        created_by=by,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
    )
    if owner.pk != by.pk:
        notify(
            [owner],
            kind="activity_planned",
            params={"title": planned.title, "by": str(by)},
            url=subject.url(obj.pk),
        )
    return planned


def may_work_on(user, planned: PlannedActivity) -> bool:
    """Its owner completes or cancels it, or whoever may plan for the owner (their manager)."""
    return planned.created_by_id == user.pk or may_plan_for(user, planned.owner)


def _locked_planned(planned: PlannedActivity) -> PlannedActivity:
    return PlannedActivity.objects.select_for_update().select_related("owner").get(pk=planned.pk)


def _require_planned(planned: PlannedActivity, user) -> None:
    if not may_work_on(user, planned):
        raise NotAllowed(_("Only the owner of the activity or their manager may do this."))
    if planned.state != PlannedState.PLANNED:
        raise TransitionRefused(
            _("This activity is no longer planned."),
            [
                Missing(
                    "state",
                    _("The activity is “%(state)s”.") % {"state": planned.get_state_display()},
                )
            ],
        )


@transaction.atomic
def complete_planned_activity(
    *, planned: PlannedActivity, user, outcome: str, now: datetime | None = None
) -> PlannedActivity:
    """Done, with what came of it: the activity is logged on the record through the record's
    own rule, so a call on a lead is its follow-up and a visit on a deal restarts its cadence."""
    from .subjects import for_content_type_id

    now = now or timezone.now()
    if not (outcome or "").strip():
        raise InvalidInput(_("Write the outcome."), "outcome")
    planned = _locked_planned(planned)
    _require_planned(planned, user)
    subject = for_content_type_id(planned.content_type_id)
    obj = subject.model.objects.get(pk=planned.object_id)
    note = f"{planned.title}\n{outcome.strip()}"
    if subject.complete is not None:
        activity = subject.complete(obj=obj, user=user, kind=planned.kind, note=note, now=now)
    else:
        if not subject.visible(user).filter(pk=obj.pk).exists():
            raise NotAllowed(_("This record is not visible to you."))
        activity = record_activity(
            obj=obj, kind=planned.kind, note=note, actor=user, occurred_at=now
        )
    source = planned.state
    planned.complete()
    planned.outcome = outcome.strip()
    planned.completed_at = now
    planned.activity = activity
    planned.save()
    log_transition(
        obj=planned, transition="complete", source=source, target=planned.state, actor=user, at=now
    )
    return planned


@transaction.atomic
def cancel_planned_activity(
    *, planned: PlannedActivity, user, reason: str = "", now: datetime | None = None
) -> PlannedActivity:
    now = now or timezone.now()
    planned = _locked_planned(planned)
    _require_planned(planned, user)
    source = planned.state
    planned.cancel()
    planned.outcome = (reason or "").strip()
    planned.completed_at = now
    planned.save()
    log_transition(
        obj=planned,
        transition="cancel",
        source=source,
        target=planned.state,
        actor=user,
        comment=reason or "",
        at=now,
    )
    return planned


# The calendar feed ---------------------------------------------------------------------------
def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_calendar_feed(*, user) -> str:
    """A new secret token for the user's feed (the previous one stops working); returns the
    token, which is not stored."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": hash_feed_token(token)}
    )
    return token


def revoke_calendar_feed(*, user) -> int:
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    return deleted


def feed_owner(token: str):
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_feed_token(token or ""), user__is_active=True)
        .first()
    )
    return feed.user if feed else None
