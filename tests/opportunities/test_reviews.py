"""The project approval review (立项): the triangle assesses, a manager above the deal decides."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from ltc.activity.models import Notification
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from ltc.org.models import Role
from opportunities import services
from opportunities.models import Review, ReviewKind, StageHistory

from ..factories import UserFactory, opportunity
from .steps import A_AMOUNT, approve_review, fresh, missing_codes

REQUESTED_AT = timezone.make_aware(datetime(2030, 5, 6, 9, 0))
ASSESSMENTS = {"relationship_assessment", "solution_assessment", "delivery_assessment"}


@pytest.fixture
def deal(org):
    """An A deal in project approval with its full iron triangle."""
    return opportunity(
        org.rep1,
        amount=Decimal(A_AMOUNT),
        stage_code="approval",
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )


def request(deal, user, **assessments):
    return services.request_review(
        opportunity=deal, user=user, kind=ReviewKind.PROJECT_APPROVAL, **assessments
    )


def fully_assessed(deal, org):
    review = request(deal, org.rep1, relationship_assessment="CIO backs us")
    services.assess_review(review=review, user=org.solution, solution_assessment="Fits well")
    services.assess_review(review=review, user=org.delivery, delivery_assessment="Low risk")
    return review


@pytest.mark.parametrize("who", ["rep1", "solution", "delivery", "manager"])
def test_a_member_of_the_triangle_or_its_manager_requests_the_review(org, deal, who):
    review = request(deal, org.user(who))

    assert (review.state, review.requested_by) == ("pending", org.user(who))
    assert set(
        Notification.objects.filter(kind="review_requested").values_list(
            "recipient__username", flat=True
        )
    ) == {"manager"}


@pytest.mark.parametrize("who", ["rep2", "rep3", "finance", "marketing"])
def test_people_outside_the_triangle_cannot_request_the_review(org, deal, who):
    with pytest.raises(NotAllowed):
        request(deal, org.user(who))

    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("who", "field"),
    [
        ("rep1", "relationship_assessment"),
        ("solution", "solution_assessment"),
        ("delivery", "delivery_assessment"),
    ],
)
def test_each_member_writes_their_own_assessment(org, deal, who, field):
    review = request(deal, org.rep1)

    services.assess_review(review=review, user=org.user(who), **{field: "My view"})

    assert getattr(Review.objects.get(pk=review.pk), field) == "My view"


@pytest.mark.parametrize(
    ("who", "field"),
    [
        ("solution", "relationship_assessment"),
        ("solution", "delivery_assessment"),
        ("rep1", "solution_assessment"),
        ("delivery", "solution_assessment"),
    ],
)
def test_nobody_writes_another_members_assessment(org, deal, who, field):
    review = request(deal, org.rep1)

    with pytest.raises(NotAllowed):
        services.assess_review(review=review, user=org.user(who), **{field: "Not mine to say"})

    assert getattr(Review.objects.get(pk=review.pk), field) == ""


def test_the_requester_cannot_write_another_members_assessment_with_the_request(org, deal):
    with pytest.raises(NotAllowed):
        request(deal, org.solution, relationship_assessment="Not mine to say")

    assert not Review.objects.exists()


def test_approval_is_refused_listing_every_missing_assessment(org, deal):
    review = request(deal, org.rep1)

    with pytest.raises(TransitionRefused) as caught:
        services.decide_review(review=review, user=org.manager, approve=True)
    assert missing_codes(caught.value) == ASSESSMENTS

    services.assess_review(review=review, user=org.solution, solution_assessment="Fits well")
    with pytest.raises(TransitionRefused) as caught:
        services.decide_review(review=review, user=org.manager, approve=True)
    assert missing_codes(caught.value) == {"relationship_assessment", "delivery_assessment"}
    assert Review.objects.get(pk=review.pk).state == "pending"


def test_a_manager_above_the_deal_approves_a_fully_assessed_review(org, deal):
    review = fully_assessed(deal, org)

    decided = services.decide_review(review=review, user=org.manager, approve=True, comment="Go")

    assert (decided.state, decided.decided_by, decided.comment) == ("approved", org.manager, "Go")
    assert Notification.objects.filter(kind="review_decided", recipient=org.rep1).exists()


@pytest.mark.parametrize("who", ["rep1", "rep2", "solution", "delivery", "finance"])
def test_only_a_manager_decides(org, deal, who):
    review = fully_assessed(deal, org)

    with pytest.raises(NotAllowed):
        services.decide_review(review=review, user=org.user(who), approve=True)

    assert Review.objects.get(pk=review.pk).state == "pending"


def test_a_manager_of_another_team_cannot_decide(org, deal):
    other = UserFactory(username="manager2", role=Role.MANAGER, team=org.team2)
    org.team2.leader = other
    org.team2.save()
    review = fully_assessed(deal, org)

    with pytest.raises(NotAllowed):
        services.decide_review(review=review, user=other, approve=True)


def test_a_manager_does_not_decide_the_review_of_their_own_deal(org):
    own = opportunity(
        org.manager,
        amount=Decimal(A_AMOUNT),
        stage_code="approval",
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )
    review = request(own, org.manager, relationship_assessment="Good")
    services.assess_review(review=review, user=org.solution, solution_assessment="Fits")
    services.assess_review(review=review, user=org.delivery, delivery_assessment="Fine")

    with pytest.raises(NotAllowed):
        services.decide_review(review=review, user=org.manager, approve=True)

    assert services.decide_review(review=review, user=org.admin, approve=True).state == "approved"


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_rejection_needs_a_comment(org, deal, comment):
    review = request(deal, org.rep1)

    with pytest.raises(InvalidInput) as caught:
        services.decide_review(review=review, user=org.manager, approve=False, comment=comment)

    assert caught.value.field == "comment"
    assert Review.objects.get(pk=review.pk).state == "pending"


def test_a_review_is_rejected_with_a_comment_even_before_the_assessments(org, deal):
    review = request(deal, org.rep1)

    rejected = services.decide_review(
        review=review, user=org.manager, approve=False, comment="No budget this year"
    )

    assert (rejected.state, rejected.comment) == ("rejected", "No budget this year")


@pytest.mark.parametrize("approve", [True, False])
def test_the_duration_is_the_time_from_request_to_decision(org, deal, approve):
    with time_machine.travel(REQUESTED_AT, tick=False):
        review = fully_assessed(deal, org)
    decided_at = REQUESTED_AT + timedelta(hours=5)

    with time_machine.travel(decided_at, tick=False):
        decided = services.decide_review(
            review=review, user=org.manager, approve=approve, comment="Decided"
        )

    stored = Review.objects.get(pk=review.pk)
    assert (stored.requested_at, stored.decided_at) == (REQUESTED_AT, decided_at)
    assert decided.duration_seconds == stored.duration_seconds == 5 * 3600
    assert stored.duration_seconds == (stored.decided_at - stored.requested_at).total_seconds()


def test_only_one_review_of_a_kind_waits_at_a_time(org, deal):
    first = request(deal, org.rep1)

    with pytest.raises(TransitionRefused) as caught:
        request(deal, org.solution)
    assert missing_codes(caught.value) == {"pending_review"}

    contract = services.request_review(opportunity=deal, user=org.rep1, kind=ReviewKind.CONTRACT)
    assert contract.state == "pending"
    services.decide_review(review=first, user=org.manager, approve=False, comment="Not yet")
    assert request(deal, org.rep1).state == "pending"
    assert Review.objects.filter(opportunity=deal, kind=ReviewKind.PROJECT_APPROVAL).count() == 2


def test_a_decided_review_takes_no_more_assessments(org, deal):
    review = fully_assessed(deal, org)
    services.decide_review(review=review, user=org.manager, approve=True)

    with pytest.raises(TransitionRefused):
        services.assess_review(review=review, user=org.solution, solution_assessment="Changed")

    with pytest.raises(TransitionRefused):
        services.decide_review(review=review, user=org.manager, approve=False, comment="Changed")


def test_unknown_review_kinds_are_invalid(org, deal):
    with pytest.raises(InvalidInput):
        services.request_review(opportunity=deal, user=org.rep1, kind="gut_feeling")


def test_the_approved_review_opens_the_gate_of_needs_analysis(org, deal):
    with pytest.raises(TransitionRefused) as caught:
        services.advance(opportunity=deal, user=org.rep1)
    assert missing_codes(caught.value) == {"project_approval"}

    rejected = fully_assessed(deal, org)
    services.decide_review(review=rejected, user=org.manager, approve=False, comment="Not yet")
    with pytest.raises(TransitionRefused) as caught:
        services.advance(opportunity=deal, user=org.rep1)
    assert missing_codes(caught.value) == {"project_approval"}

    approve_review(deal, org)
    moved = services.advance(opportunity=fresh(deal), user=org.rep1)

    assert moved.stage.code == "needs_analysis"
    evidence = StageHistory.objects.get(opportunity=deal, stage__code="needs_analysis").evidence
    assert {"code": "project_approval", "kind": "review", "met": True} == {
        key: value
        for key, value in next(e for e in evidence if e["kind"] == "review").items()
        if key in {"code", "kind", "met"}
    }
