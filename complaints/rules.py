"""What a user may do with a complaint: the one place the services, the pages, the templates and
the API ask. ``actions_for`` answers which transitions a user may press now."""

from __future__ import annotations

from ltc.org.models import Role
from ltc.org.scoping import is_manager, managed_team_ids, manages

# Roles that may open a complaint on a record they see. Finance and marketing read them.
OPENERS = {Role.REP, Role.MANAGER, Role.SOLUTION, Role.DELIVERY, Role.ADMIN, Role.INTEGRATION}
COMPANY_WIDE = {Role.ADMIN, Role.INTEGRATION}
TRANSITIONS = ("start", "resolve", "close", "reopen")
ACTIONS = (*TRANSITIONS, "reassign")


def may_open(user) -> bool:
    return user.is_superuser or user.role in OPENERS


def may_pick_owner(user) -> bool:
    """Whether ``user`` may name another owner than the default when opening one."""
    return user.is_superuser or user.role in COMPANY_WIDE or is_manager(user)


def manages_complaint(user, complaint) -> bool:
    """An admin, or a manager above the complaint's team or its owner."""
    if user.is_superuser or user.role in COMPANY_WIDE:
        return True
    if complaint.team_id is not None and complaint.team_id in managed_team_ids(user):
        return True
    return manages(user, complaint.owner)


def _account_owner(user, complaint) -> bool:
    """The customer's account owner: they speak with the customer and record its word."""
    return complaint.customer.owner_id == user.pk


def may(user, complaint, action: str) -> bool:
    """Whether ``user`` may do ``action`` to ``complaint`` (whatever its state)."""
    if action not in ACTIONS:
        return False
    if action == "reassign":
        return manages_complaint(user, complaint)
    if complaint.owner_id == user.pk or manages_complaint(user, complaint):
        return True
    return action in ("close", "reopen") and _account_owner(user, complaint)


def possible(complaint, transition: str) -> bool:
    """Whether the transition leaves the complaint's state (its other conditions aside: the
    form asks for what they need)."""
    meta = getattr(complaint, transition)._django_fsm
    return meta.get_transition(complaint.state) is not None


def actions_for(user, complaint) -> list[str]:
    """The transitions ``user`` may press now: allowed to them and possible from the state."""
    actions = [a for a in TRANSITIONS if possible(complaint, a) and may(user, complaint, a)]
    if may(user, complaint, "reassign"):
        actions.append("reassign")
    return actions
