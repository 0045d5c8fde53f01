"""The deal's grade: set, raised by the amount, regraded by a manager, and the deal taken back to
its track when a regrade moves it off."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.errors import InvalidInput
from ltc.org.scoping import managers_of

from .. import tracks
from ..models import (
    GRADE_RANK,
    Grade,
    GradeChange,
    Opportunity,
    Stage,
)
from .rules import _locked, opportunity_actions
from .stages import _enter_stage


def _set_grade(opportunity: Opportunity, grade: str, reason: str, by, raised: bool = False) -> None:
    if grade == opportunity.grade:
        return
    GradeChange.objects.create(
        opportunity=opportunity,
        from_grade=opportunity.grade,
        to_grade=grade,
        reason=reason,
        by=by,
        at=timezone.now(),
    )
    opportunity.grade = grade
    opportunity.grade_raised = raised


@transaction.atomic
def regrade(*, opportunity: Opportunity, user, grade: str, reason: str) -> Opportunity:
    """A manager raises the grade by hand (a flagship project); A/B then go stage by stage."""
    opportunity = _locked(opportunity.pk)
    action = opportunity_actions(user, opportunity)["regrade"]
    if action.refused is None and opportunity.is_open and opportunity.grade == Grade.E:
        # The action names this item for the buttons; the service answers it as the 400 on the
        # grade field it has always been.
        raise InvalidInput(_("A partner-led deal keeps grade E."), "grade")
    action.require()
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the grade changes."), "reason")
    if grade not in GRADE_RANK:
        raise InvalidInput(_("Choose grade A, B, C or D."), "grade")
    if GRADE_RANK[grade] <= GRADE_RANK[opportunity.grade]:
        raise InvalidInput(
            _("A manager may only raise the grade (it is %(grade)s).")
            % {"grade": opportunity.grade},
            "grade",
        )
    _set_grade(opportunity, grade, reason, user, raised=True)
    opportunity.save()
    log_transition(
        obj=opportunity,
        transition="regrade",
        source=opportunity.stage.code,
        target=opportunity.stage.code,
        actor=user,
        comment=f"{grade}: {reason}",
    )
    take_back_if_off_track(
        opportunity,
        by=user,
        cause=str(
            _("A manager raised the grade to %(grade)s (%(reason)s).")
            % {"grade": grade, "reason": reason}
        ),
    )
    return opportunity


def take_back_if_off_track(
    opportunity: Opportunity, *, by, cause: str, now: datetime | None = None
) -> Stage | None:
    """Keep the invariant of ``tracks``: a deal whose grade now demands gates it skipped goes back
    to the last stage before the first of them, with the reason in its history, its timeline and
    a notice to its AR and their managers. Returns the stage it went back to, or None."""
    skipped = tracks.skipped_stages(opportunity)
    if not skipped:
        return None
    now = now or timezone.now()
    target = tracks.back_to(opportunity, skipped)
    reason = tracks.back_reason(opportunity, opportunity.grade, skipped, cause)
    _enter_stage(
        opportunity,
        target,
        by=by,
        now=now,
        evidence=[
            {
                "code": "track",
                "label": reason,
                "kind": "track",
                "met": False,
                "stage": "",
                "role": "",
            }
        ],
        transition="back",
        comment=reason,
    )
    # What the caller shows the user (a flash message, the API's ``sent_back``).
    opportunity.sent_back = {"stage": target.code, "stage_order": target.order, "reason": reason}
    owner_id = opportunity.owner_id
    notify(
        {owner_id, *managers_of([owner_id]).get(owner_id, [])} - {by.pk},
        kind="opportunity_sent_back",
        params={
            "name": opportunity.name,
            "stage": f"{target.order} {target.name}",
            "grade": opportunity.grade,
            "skipped": tracks.stage_list(skipped),
        },
        url=f"/opportunities/{opportunity.pk}/",
    )
    return target
