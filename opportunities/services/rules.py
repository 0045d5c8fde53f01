"""Who may do what with a deal and its reviews: the one rule each, asked by the services, the pages,
the API and the querysets."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ltc.core.actions import Action, action
from ltc.core.errors import Missing, NotAllowed, TransitionRefused
from ltc.org.models import Role
from ltc.org.scoping import managed_team_ids, manages

from ..models import (
    Grade,
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
    queryset form, ``Review.objects.decidable_by``). A manager above the deal decides, never its
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
    """The review waits for a decision and ``user`` may give it (``review_actions``' approve)."""
    return review.state == ReviewState.PENDING and decision_refused(user, review) is None


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


CLOSED = _("The opportunity is closed.")


def _closed_items(opportunity: Opportunity) -> list[Missing]:
    if opportunity.is_open:
        return []
    return [
        Missing(
            "state",
            _("The opportunity must be open (it is “%(state)s”).")
            % {"state": opportunity.get_state_display()},
        )
    ]


def _require_open(opportunity: Opportunity) -> None:
    missing = _closed_items(opportunity)
    if missing:
        raise TransitionRefused(CLOSED, missing)


def opportunity_actions(user, opportunity: Opportunity) -> dict[str, Action]:
    """What ``user`` may do with the deal, each with why not: the one answer the services
    (``require``), the deal page's buttons and the API's 403/409 come from. The iron triangle
    and the managers above the deal work on it; its AR or a manager steers it (moves, closes,
    forms the triangle); a manager above it regrades it; a partner deal is won by hand."""
    works, steers = works_on(user, opportunity), may_steer(user, opportunity)
    closed = _closed_items(opportunity)
    partner = opportunity.grade == Grade.E

    def act(name, allowed, refused, missing=closed):
        return action(name, allowed, refused, missing, CLOSED if missing is closed else "")

    return {
        "edit": act(
            "edit", works, _("Only the iron triangle and its managers edit this opportunity.")
        ),
        "form_triangle": act(
            "form_triangle", steers, _("Only the AR or a manager forms the iron triangle.")
        ),
        "advance": act("advance", steers, _("Only the AR or a manager moves the opportunity.")),
        "lose": act("lose", steers, _("Only the AR or a manager closes the opportunity.")),
        # Our own deals are won by signing their contract (contracts.services.sign_contract).
        "win": action(
            "win",
            steers,
            _("Only the AR or a manager closes the opportunity."),
            closed if partner else [Missing("contract_signed", _("The contract is signed"))],
            CLOSED if partner else _("Our own deals are won by signing their contract."),
        ),
        "regrade": action(
            "regrade",
            manages_deal(user, opportunity),
            _("Only a manager above the deal changes its grade."),
            closed
            or ([Missing("grade", _("A partner-led deal keeps grade E."))] if partner else []),
            CLOSED if closed else _("A partner-led deal keeps grade E."),
        ),
        "add_decision_maker": act(
            "add_decision_maker",
            works,
            _("Only the iron triangle and its managers edit the decision chain."),
        ),
        "add_competitor": act(
            "add_competitor",
            works,
            _("Only the iron triangle and its managers record competitors."),
        ),
        "log_activity": act(
            "log_activity", works, _("Only the iron triangle and its managers log activities."), ()
        ),
        "request_review": act(
            "request_review",
            works,
            _("Only the iron triangle and its managers ask for a review."),
            (),
        ),
    }


def review_actions(user, review: Review) -> dict[str, Action]:
    """What ``user`` may do with the review: decide it (approve or reject: ``decision_refused``,
    the rule ``Review.objects.decidable_by`` is built from) and assess it (the triangle and the
    managers above the deal). A decided review misses its pending state."""
    decided = [] if review.state == ReviewState.PENDING else [Missing("state", _("Review pending"))]
    refusal = decision_refused(user, review)
    works = works_on(user, review.opportunity)
    detail = _("The review is already decided.")
    return {
        "approve": action("approve", refusal is None, refusal, decided, detail),
        "reject": action("reject", refusal is None, refusal, decided, detail),
        "assess": action(
            "assess",
            works,
            _("Only the iron triangle and its managers assess a review."),
            decided,
            detail,
        ),
    }


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
