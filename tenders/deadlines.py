"""A tender's deadlines as planned activities of the deal's AR, so they show in the calendar (and
its ICS feed), on "my day" and in the morning digest like any other date to keep. Kept in step
with the tender: a moved deadline moves its activity, submitting completes the submission's and
closes the questions', a decided or cancelled tender cancels what is still planned."""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.activity.models import ActivityKind, PlannedActivity, PlannedState

from .models import Tender, TenderState

# (deadline field, activity field, title)
DEADLINES = (
    ("questions_due_at", "questions_activity", lambda t: _("Questions close: tender %s") % t),
    ("submission_due_at", "submission_activity", lambda t: _("Bid due: tender %s") % t),
)


def _close(planned: PlannedActivity | None, *, done: bool, outcome: str, now: datetime) -> None:
    if planned is None or planned.state != PlannedState.PLANNED:
        return
    planned.complete() if done else planned.cancel()
    planned.outcome = outcome
    planned.completed_at = now
    planned.save()


def _plan(tender: Tender, by, due: datetime, title: str) -> PlannedActivity:
    return PlannedActivity.objects.create(
        kind=ActivityKind.TODO,
        title=title[:200],
        due_at=due,
        duration_minutes=30,
        owner_id=tender.opportunity.owner_id,
        created_by=by,
        content_type=ContentType.objects.get_for_model(Tender),
        object_id=tender.pk,
    )


def sync(tender: Tender, *, by, now: datetime | None = None) -> None:
    """Bring the two activities in step with the tender (the caller saves the tender)."""
    now = now or timezone.now()
    for field, attribute, title in DEADLINES:
        due = getattr(tender, field)
        planned = getattr(tender, attribute)
        if tender.state == TenderState.PREPARING and due is not None:
            text = title(tender.number)
            if planned is not None and planned.state == PlannedState.PLANNED:
                if planned.due_at != due or planned.title != text:
                    planned.due_at, planned.title = due, text[:200]
                    planned.save(update_fields=["due_at", "title"])
            else:
                setattr(tender, attribute, _plan(tender, by, due, text))
            continue
        submitted = tender.state == TenderState.SUBMITTED and field == "submission_due_at"
        _close(
            planned,
            done=submitted,
            outcome=_("Submitted") if submitted else tender.get_state_display(),
            now=now,
        )
