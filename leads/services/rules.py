"""Who may do what with a lead: the one rule each, asked by the services, the pages and the API."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ltc.core.actions import Action, action
from ltc.core.errors import Missing, NotAllowed
from ltc.core.fsm import unmet
from ltc.org.models import Role
from ltc.org.scoping import manages

from ..models import Lead, LeadState

CREATORS = {Role.MARKETING, Role.REP, Role.MANAGER, Role.ADMIN, Role.INTEGRATION}
CLAIMERS = {Role.REP, Role.MANAGER}
ASSIGNERS = {Role.MARKETING, Role.MANAGER, Role.ADMIN}
OWNER_ROLES = {Role.REP, Role.MANAGER}


# Who may do what ----------------------------------------------------------------------------
def _role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def works_on(user, lead: Lead) -> bool:
    """The owner, a manager above the owner, or an admin may work a held lead."""
    if _role(user) == Role.ADMIN:
        return True
    if lead.owner_id is None:
        return False
    return lead.owner_id == user.pk or manages(user, lead.owner)


def may_edit(user, lead: Lead) -> bool:
    return _role(user) in {Role.ADMIN, Role.MARKETING, Role.INTEGRATION} or works_on(user, lead)


def may_disqualify(user, lead: Lead) -> bool:
    if lead.state == LeadState.NEW:
        return _role(user) in ASSIGNERS
    return works_on(user, lead)


def may_merge(user, lead: Lead, into: Lead) -> bool:
    if _role(user) in ASSIGNERS:
        return True
    return works_on(user, lead) and works_on(user, into)


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


# Helpers ------------------------------------------------------------------------------------
def _locked(lead_id: int) -> Lead:
    return (
        Lead.objects.select_for_update(of=("self",)).select_related("pool", "owner").get(pk=lead_id)
    )


def _local_text(dt: datetime | None) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i") if dt else ""


def _state_items(lead: Lead, transition: str) -> list[Missing]:
    """The transition's state item only (its other conditions come from the form it submits)."""
    return [item for item in unmet(lead, transition) if item.code == "state"]


def lead_actions(user, lead: Lead) -> dict[str, Action]:
    """What ``user`` may do with the lead, each with why not: the one answer the lead page's
    buttons and the services' refusals come from. The owner, a manager above them or an admin
    work a held lead; reps and managers claim from the pool; managers, marketing and admins
    assign; marketing and the integrations also edit."""
    role, works = _role(user), works_on(user, lead)
    closed = _state_items(lead, "disqualify")  # the open states are disqualify's sources
    return {
        "edit": action(
            "edit",
            may_edit(user, lead),
            _("Only the owner, their manager or marketing may edit this lead."),
            closed,
            _("This lead is closed."),
        ),
        "claim": action(
            "claim",
            role in CLAIMERS,
            _("Only sales reps and managers claim leads."),
            _state_items(lead, "claim"),
            _("This lead is no longer in the pool."),
        ),
        "assign": action(
            "assign",
            role in ASSIGNERS,
            _("Only managers and marketing assign leads."),
            _state_items(lead, "assign"),
            _("This lead cannot be assigned."),
        ),
        "release": action(
            "release",
            works,
            _("Only the owner or their manager may release this lead."),
            unmet(lead, "release"),
            _("This lead cannot be released."),
        ),
        "validate": action(
            "validate",
            works,
            _("Only the owner or their manager may validate this lead."),
            _state_items(lead, "validate"),
            _("The lead cannot be validated yet."),
        ),
        "convert": action(
            "convert",
            works,
            _("Only the owner of the lead or their manager converts it."),
            _state_items(lead, "convert"),
            _("This lead cannot be converted."),
        ),
        "disqualify": action(
            "disqualify",
            may_disqualify(user, lead),
            _("You may not disqualify this lead."),
            closed,
            _("This lead cannot be disqualified."),
        ),
    }
