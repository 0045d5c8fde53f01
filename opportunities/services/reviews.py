"""Reviews of a deal: requesting, the assessors' opinions, the decision (with the second approver
of an escalated review)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.org.models import Role, User
from ltc.org.scoping import managers_of

from ..models import (
    Opportunity,
    OpportunityState,
    Review,
    ReviewKind,
    ReviewState,
    TaskRole,
)
from ..signals import review_decided
from .rules import (
    _locked,
    _require_open,
    manages_deal,
    opportunity_actions,
    review_actions,
    role_user_id,
)

# Reviews ------------------------------------------------------------------------------------
ASSESSMENT_BY_ROLE = {
    TaskRole.AR: "relationship_assessment",
    TaskRole.SR: "solution_assessment",
    TaskRole.FR: "delivery_assessment",
}


def _assessments_allowed(user, opportunity: Opportunity) -> set[str]:
    if manages_deal(user, opportunity):
        return set(ASSESSMENT_BY_ROLE.values())
    return {
        field
        for role, field in ASSESSMENT_BY_ROLE.items()
        if role_user_id(opportunity, role) == user.pk
    }


def _apply_assessments(review: Review, user, opportunity: Opportunity, assessments: dict) -> None:
    allowed = _assessments_allowed(user, opportunity)
    for field, text in assessments.items():
        if text is None or not str(text).strip():
            continue
        if field not in allowed:
            raise NotAllowed(_("Each member of the triangle writes their own assessment."))
        setattr(review, field, text)


@transaction.atomic
def request_review(
    *,
    opportunity: Opportunity,
    user,
    kind: str,
    now: datetime | None = None,
    details: dict | None = None,
    **assessments,
) -> Review:
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    opportunity_actions(user, opportunity)["request_review"].require()
    if not (kind == ReviewKind.CONTRACT and opportunity.state == OpportunityState.WON):
        # A won deal (a partner deal won on its registration) still reviews its contract.
        _require_open(opportunity)
    if kind not in ReviewKind.values:
        raise InvalidInput(_("Unknown review kind."), "kind")
    if Review.objects.filter(
        opportunity=opportunity, kind=kind, state=ReviewState.PENDING
    ).exists():
        raise TransitionRefused(
            _("A review of this kind is already waiting for a decision."),
            [Missing("pending_review", _("No other review of this kind pending"))],
        )
    review = Review(
        opportunity=opportunity,
        kind=kind,
        requested_by=user,
        requested_at=now,
        details=details or {},
    )
    _apply_assessments(
        review,
        user,
        opportunity,
        {k: v for k, v in assessments.items() if k in ASSESSMENT_BY_ROLE.values()},
    )
    review.save()
    log_transition(
        obj=review, transition="request", source="", target=review.state, actor=user, at=now
    )
    managers = managers_of([opportunity.owner_id]).get(opportunity.owner_id, [])
    notify(
        managers,
        kind="review_requested",
        params={
            "by": str(user),
            "review": str(review.get_kind_display()),
            "name": opportunity.name,
        },
        url=f"/opportunities/reviews/{review.pk}/",
    )
    ask_assessors(review, by=user)
    return review


def ask_assessors(review: Review, *, by) -> int:
    """Tell the SR and FR (and the AR) whose assessment the review still waits for, with the
    link to the assessment form."""
    review.opportunity = Opportunity.objects.select_related(
        "owner", "solution_owner", "fulfillment_owner"
    ).get(pk=review.opportunity_id)
    people = [
        missing["user"]
        for missing in review.missing_assessors()
        if missing["user"] is not None and missing["user"].pk != by.pk
    ]
    return notify(
        people,
        kind="review_assessment_requested",
        params={
            "by": str(by),
            "review": str(review.get_kind_display()),
            "name": review.opportunity.name,
        },
        url=f"/opportunities/reviews/{review.pk}/#assess",
    )


@transaction.atomic
def assess_review(*, review: Review, user, **assessments) -> Review:
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .get(pk=review.pk)
    )
    review_actions(user, review)["assess"].require()
    _apply_assessments(review, user, review.opportunity, assessments)
    review.save()
    return review


@transaction.atomic
def decide_review(
    *, review: Review, user, approve: bool, comment: str = "", now: datetime | None = None
) -> Review:
    now = now or timezone.now()
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("opportunity", "opportunity__owner")
        .get(pk=review.pk)
    )
    opportunity = review.opportunity
    review_actions(user, review)["approve" if approve else "reject"].require()
    if not approve and not (comment or "").strip():
        raise InvalidInput(_("Say why the review is rejected."), "comment")
    source = review.state
    if approve and review.needs_second_approval and review.first_approved_by_id is None:
        return _first_approval(review, user, comment, now)
    if approve:
        ensure_can(review, "approve", _("The review cannot be approved yet."))
        review.approve(by=user, at=now, comment=comment)
    else:
        ensure_can(review, "reject", _("The review cannot be rejected."))
        review.reject(by=user, at=now, comment=comment)
    review.save()
    log_transition(
        obj=review,
        transition="approve" if approve else "reject",
        source=source,
        target=review.state,
        actor=user,
        at=now,
        comment=comment,
    )
    notify(
        [opportunity.owner_id],
        kind="review_decided",
        params={
            "review": str(review.get_kind_display()),
            "name": opportunity.name,
            "decision": str(review.get_state_display()),
            "by": str(user),
        },
        url=f"/opportunities/{opportunity.pk}/",
    )
    review_decided.send(sender=Review, review=review, approved=approve, by=user)
    return review


def _first_approval(review: Review, user, comment: str, now: datetime) -> Review:
    """An escalated review (a risky contract, a thin margin) keeps waiting after the first
    manager's approval until a second approver above them approves too."""
    ensure_can(review, "approve", _("The review cannot be approved yet."))
    review.first_approved_by = user
    review.first_approved_at = now
    review.comment = comment or ""
    review.save()
    log_transition(
        obj=review,
        transition="first_approval",
        source=review.state,
        target=review.state,
        actor=user,
        at=now,
        comment=comment,
    )
    higher = set(managers_of([user.pk]).get(user.pk, []))
    higher |= set(User.objects.filter(is_active=True, role=Role.ADMIN).values_list("pk", flat=True))
    higher.discard(user.pk)
    notify(
        higher,
        kind="review_requested",
        params={
            "by": str(user),
            "review": str(review.get_kind_display()),
            "name": review.opportunity.name,
        },
        url=f"/opportunities/reviews/{review.pk}/",
    )
    return review
