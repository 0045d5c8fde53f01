"""The pool: claiming a lead (within the pool's limits), assigning and releasing it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import (
    log_transition,
    notify,
)
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.org.models import Role, User
from ltc.org.scoping import manages

from ..claims import claim_limits
from ..models import Lead, LeadRecovery, LeadState
from .rules import (
    ASSIGNERS,
    CLAIMERS,
    OWNER_ROLES,
    _locked,
    _require,
    _role,
    lead_actions,
)


# The pool -----------------------------------------------------------------------------------
def claim_lead(*, lead: Lead, user, now: datetime | None = None) -> Lead:
    """Take a lead from the pool. Of many simultaneous claims exactly one wins: the row is locked
    (SQLite: the IMMEDIATE transaction), and the losers see a lead that is no longer new."""
    _require(_role(user) in CLAIMERS, _("Only sales reps and managers claim leads."))
    now = now or timezone.now()
    with transaction.atomic():
        # One rep's claims queue up, so two claims cannot both pass the holding limit.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        lead = _locked(lead.pk)
        if lead.state != LeadState.NEW:
            raise TransitionRefused(
                _("This lead is no longer in the pool."),
                [
                    Missing(
                        "state",
                        _("The lead must be in the pool (it is “%(state)s”).")
                        % {"state": lead.get_state_display()},
                    )
                ],
            )
        ensure_can(
            lead,
            "claim",
            _("You cannot claim this lead."),
            claim_limits(lead=lead, user=user, now=now),
        )
        lead.claim(by=user, at=now)
        lead.save()
        log_transition(
            obj=lead,
            transition="claim",
            source=LeadState.NEW,
            target=lead.state,
            actor=user,
            at=now,
        )
    return lead


@transaction.atomic
def assign_lead(*, lead: Lead, owner, by, now: datetime | None = None) -> Lead:
    now = now or timezone.now()
    _require(_role(by) in ASSIGNERS, _("Only managers and marketing assign leads."))
    if owner is None or not owner.is_active or _role(owner) not in OWNER_ROLES:
        raise InvalidInput(_("Leads are assigned to an active sales rep or manager."), "owner")
    if _role(by) == Role.MANAGER and owner.pk != by.pk and not manages(by, owner):
        raise InvalidInput(_("You may only assign leads to people in your teams."), "owner")
    lead = _locked(lead.pk)
    if lead.owner_id == owner.pk:
        raise InvalidInput(_("The lead already belongs to this person."), "owner")
    if lead.owner_id and _role(by) == Role.MANAGER and not manages(by, lead.owner):
        raise NotAllowed(_("This lead belongs to someone outside your teams."))
    source = lead.state
    ensure_can(lead, "assign", _("This lead cannot be assigned."))
    lead.assign(to=owner, at=now)
    lead.save()
    log_transition(
        obj=lead,
        transition="assign",
        source=source,
        target=lead.state,
        actor=by,
        at=now,
        comment=str(owner),
    )
    notify(
        [owner],
        kind="lead_assigned",
        params={"title": lead.title, "by": str(by)},
        url=f"/leads/{lead.pk}/",
    )
    return lead


@transaction.atomic
def release_lead(*, lead: Lead, user, reason: str, now: datetime | None = None) -> Lead:
    now = now or timezone.now()
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the lead goes back to the pool."), "reason")
    lead = _locked(lead.pk)
    lead_actions(user, lead)["release"].require()
    former_owner = lead.owner
    lead.release(at=now)
    lead.save()
    LeadRecovery.objects.create(
        lead=lead, former_owner=former_owner, kind=LeadRecovery.Kind.RELEASED, reason=reason, at=now
    )
    log_transition(
        obj=lead,
        transition="release",
        source=LeadState.ASSIGNED,
        target=lead.state,
        actor=user,
        at=now,
        comment=reason,
    )
    return lead
