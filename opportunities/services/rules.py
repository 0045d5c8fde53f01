"""Who may do what with a deal and its reviews: the one rule each, asked by the services, the pages,
the API and the querysets."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ltc.core.errors import Missing, NotAllowed, TransitionRefused
from ltc.org.models import Role
from ltc.org.scoping import managed_team_ids, manages

from ..models import (
    Opportunity,
    Review,
    ReviewState,
    TaskRole,
)


# Who may do what ----------------------------------------------------------------------------
def _is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def manages_deal(user, opportunity: Opportunity) -> bool:
    return (
        _is_admin(user)
        or manages(user, opportunity.owner)
        or (opportunity.team_id is not None and opportunity.team_id in managed_team_ids(user))
    )


def in_triangle(user, opportunity: Opportunity) -> bool:
    return user.pk in {
        opportunity.owner_id,
        opportunity.solution_owner_id,
        opportunity.fulfillment_owner_id,
    }


def works_on(user, opportunity: Opportunity) -> bool:
    """The iron triangle and the managers above the deal work on it."""
    return in_triangle(user, opportunity) or manages_deal(user, opportunity)


def may_steer(user, opportunity: Opportunity) -> bool:
    """Advancing, losing and editing the deal: its AR or a manager above it."""
    return opportunity.owner_id == user.pk or manages_deal(user, opportunity)


def decision_refused(user, review: Review) -> str | None:
    """Why ``user`` may not decide ``review`` (approve or reject it), or None when they may: the
    one rule, asked by the service, the review and contract pages, and the inboxes (through its
    queryset form, ``Review.objects.to_decide_by``). A manager above the deal decides, never its
    owner; an escalated review, once approved a first time, waits for an approver above that
    first approver (an administrator, or a manager of their team): the first approver does not
    decide it again."""
    opportunity = review.opportunity
    if not manages_deal(user, opportunity) or user.pk == opportunity.owner_id:
        return _("A manager above the deal decides its reviews.")
    first_id = review.first_approved_by_id
    if review.needs_second_approval and first_id is not None:
        if user.pk == first_id:
            return _("You gave the first approval; a second approver above you decides now.")
        if not (_is_admin(user) or manages(user, review.first_approved_by)):
            return _("An escalated review needs a second approver above the first one.")
    return None


def may_decide(user, review: Review) -> bool:
    """The review waits for a decision and ``user`` may give it."""
    return review.state == ReviewState.PENDING and decision_refused(user, review) is None


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


def _require_open(opportunity: Opportunity) -> None:
    if not opportunity.is_open:
        raise TransitionRefused(
            _("The opportunity is closed."),
            [
                Missing(
                    "state",
                    _("The opportunity must be open (it is “%(state)s”).")
                    % {"state": opportunity.get_state_display()},
                )
            ],
        )


def _locked(pk: int) -> Opportunity:
    # Lock the bare row first, then read it with its relations. One locking SELECT with the joins
    # would, on PostgreSQL, recheck the join against the old stage row after waiting for a
    # concurrent advance that changed stage_id, and find no row at all (DoesNotExist, a 500).
    Opportunity.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()
    return Opportunity.objects.select_related("stage", "process", "owner", "customer").get(pk=pk)


def role_user_id(opportunity: Opportunity, role: str) -> int | None:
    return {
        TaskRole.AR: opportunity.owner_id,
        TaskRole.SR: opportunity.solution_owner_id,
        TaskRole.FR: opportunity.fulfillment_owner_id,
    }.get(role)
