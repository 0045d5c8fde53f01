"""Working a held lead: follow-ups, validation (and what it still needs), disqualification."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import Activity, ActivityKind
from ltc.activity.services import (
    log_transition,
    record_activity,
)
from ltc.core.errors import InvalidInput, Missing, TransitionRefused
from ltc.core.fsm import ensure_can

from ..models import DisqualifyReason, Lead, LeadState
from ..scoring import rescore
from .rules import _locked, _require, may_disqualify, works_on


# Working a lead ------------------------------------------------------------------------------
def complete_planned_follow_up(*, obj: Lead, user, kind: str, note: str, now: datetime) -> Activity:
    """A planned call, visit, e-mail or meeting done on a lead is its follow-up (the pool's
    clock restarts); a to-do is only logged, by someone who works on the lead."""
    if kind == ActivityKind.TODO:
        _require(works_on(user, obj), _("Only the owner or their manager may log on this lead."))
        return record_activity(obj=obj, kind=kind, note=note, actor=user, occurred_at=now)
    return log_follow_up(lead=obj, user=user, kind=kind, note=note, now=now)


@transaction.atomic
def log_follow_up(
    *, lead: Lead, user, kind: str, note: str, now: datetime | None = None
) -> Activity:
    """A call, visit, e-mail or meeting. It resets the follow-up clock of an assigned lead."""
    now = now or timezone.now()
    if not (note or "").strip():
        raise InvalidInput(_("Write what was said or agreed."), "note")
    lead = _locked(lead.pk)
    _require(works_on(user, lead), _("Only the owner or their manager may follow up this lead."))
    if lead.state not in (LeadState.ASSIGNED, LeadState.VALIDATED):
        raise TransitionRefused(
            _("Follow-ups are logged on leads someone is working."),
            [
                Missing(
                    "state",
                    _("The lead must be assigned or validated (it is “%(state)s”).")
                    % {"state": lead.get_state_display()},
                )
            ],
        )
    activity = record_activity(obj=lead, kind=kind, note=note, actor=user, occurred_at=now)
    lead.follow_up_count += 1
    lead.last_follow_up_at = now
    if lead.state == LeadState.ASSIGNED:
        lead.follow_up_due_at = now + lead.pool.follow_up_interval
        lead.warned_at = None
    rescore(lead)
    lead.save()
    return activity


@transaction.atomic
def validate_lead(
    *,
    lead: Lead,
    user,
    need: str | None = None,
    budget_confirmed: bool | None = None,
    now: datetime | None = None,
) -> Lead:
    now = now or timezone.now()
    lead = _locked(lead.pk)
    _require(works_on(user, lead), _("Only the owner or their manager may validate this lead."))
    if need is not None:
        lead.need = need
    if budget_confirmed is not None:
        lead.budget_confirmed = budget_confirmed
    ensure_can(lead, "validate", _("The lead cannot be validated yet."))
    lead.validate(at=now)
    rescore(lead)
    lead.save()
    log_transition(
        obj=lead,
        transition="validate",
        source=LeadState.ASSIGNED,
        target=lead.state,
        actor=user,
        at=now,
    )
    return lead


@transaction.atomic
def disqualify_lead(
    *, lead: Lead, user, reason: str, note: str = "", now: datetime | None = None
) -> Lead:
    now = now or timezone.now()
    if reason not in DisqualifyReason.values:
        raise InvalidInput(_("Choose one of the disqualification reasons."), "reason")
    lead = _locked(lead.pk)
    _require(may_disqualify(user, lead), _("You may not disqualify this lead."))
    source = lead.state
    lead.disqualify_reason = reason
    lead.disqualify_note = note or ""
    ensure_can(lead, "disqualify", _("This lead cannot be disqualified."))
    lead.disqualify(at=now)
    lead.save()
    log_transition(
        obj=lead,
        transition="disqualify",
        source=source,
        target=lead.state,
        actor=user,
        at=now,
        comment=note or lead.get_disqualify_reason_display(),
    )
    return lead


def unmet_for_validation(lead: Lead) -> list[Missing]:
    """The checklist shown before a rep tries to validate: the same requirements the transition checks."""
    from ltc.core.fsm import unmet

    return unmet(lead, "validate")
