"""The partner registration track (grade E) and closing deals: won, lost, abandoned."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from ltc.activity.models import TransitionLog
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from opportunities import services
from opportunities.models import Opportunity, ReviewKind, StageHistory

from ..factories import opportunity
from .steps import A_AMOUNT, C_AMOUNT, D_AMOUNT, fresh, missing_codes

START = timezone.make_aware(datetime(2030, 5, 6, 9, 0))


@pytest.fixture
def partner_deal(org):
    return opportunity(org.rep1, amount=Decimal("800000"), partner="Acme Partner")


def approve_registration(deal, org):
    review = services.request_review(
        opportunity=deal,
        user=org.rep1,
        kind=ReviewKind.REGISTRATION,
        relationship_assessment="Acme has worked this account for years",
    )
    return services.decide_review(review=review, user=org.manager, approve=True, comment="OK")


def test_a_partner_deal_starts_registered(org, partner_deal):
    assert (partner_deal.grade, partner_deal.stage.code) == ("E", "registered")
    assert partner_deal.process.for_partner_deals


def test_approving_the_registration_needs_the_approved_registration_review(org, partner_deal):
    _stage, items, missing = services.gate(fresh(partner_deal))
    assert {(item.code, item.met) for item in items} == {("partner", True), ("registration", False)}
    assert {m.code for m in missing} == {"registration"}
    with pytest.raises(TransitionRefused) as caught:
        services.advance(opportunity=partner_deal, user=org.rep1)
    assert missing_codes(caught.value) == {"registration"}

    approve_registration(partner_deal, org)
    approved = services.advance(opportunity=fresh(partner_deal), user=org.rep1)

    assert (approved.stage.code, approved.probability) == ("approved", 50)


def test_a_partner_deal_cannot_be_won_before_its_registration_is_approved(org, partner_deal):
    with pytest.raises(TransitionRefused) as caught:
        services.win_partner_deal(opportunity=partner_deal, user=org.rep1)

    assert missing_codes(caught.value) == {"registration"}
    assert fresh(partner_deal).state == "open"


def test_an_approved_partner_deal_is_won_and_its_stage_history_closed(org, partner_deal):
    with time_machine.travel(START, tick=False):
        approve_registration(partner_deal, org)
        services.advance(opportunity=fresh(partner_deal), user=org.rep1)
    won_at = START + timedelta(days=10)

    with time_machine.travel(won_at, tick=False):
        won = services.win_partner_deal(opportunity=fresh(partner_deal), user=org.rep1)

    assert (won.state, won.probability, won.closed_at) == ("won", 100, won_at)
    assert not StageHistory.objects.filter(
        opportunity=partner_deal, exited_at__isnull=True
    ).exists()
    assert (
        StageHistory.objects.get(opportunity=partner_deal, stage__code="approved").exited_at
        == won_at
    )
    assert TransitionLog.objects.filter(object_id=won.pk, transition="win", actor=org.rep1).exists()


def test_only_the_ar_or_a_manager_wins_a_partner_deal(org, partner_deal):
    approve_registration(partner_deal, org)
    services.advance(opportunity=fresh(partner_deal), user=org.rep1)

    with pytest.raises(NotAllowed):
        services.win_partner_deal(opportunity=fresh(partner_deal), user=org.rep2)

    won = services.win_partner_deal(opportunity=fresh(partner_deal), user=org.manager)
    assert won.state == "won"


@pytest.mark.parametrize("amount", [A_AMOUNT, C_AMOUNT, D_AMOUNT])
@pytest.mark.parametrize("stage_code", ["verify", "negotiation"])
def test_own_deals_are_not_won_through_the_partner_track(org, amount, stage_code):
    deal = opportunity(org.rep1, amount=Decimal(amount), stage_code=stage_code)

    with pytest.raises(TransitionRefused) as caught:
        services.win_partner_deal(opportunity=deal, user=org.rep1)

    assert missing_codes(caught.value) == {"contract_signed"}
    assert fresh(deal).state == "open"


@pytest.mark.parametrize("abandon", [False, True], ids=["lose", "abandon"])
@pytest.mark.parametrize(
    ("reason", "lessons", "missing"),
    [
        ("", "", {"loss_reason", "lessons"}),
        ("price", "  ", {"lessons"}),
        ("", "We were late", {"loss_reason"}),
    ],
)
def test_closing_lost_needs_a_reason_category_and_lessons(org, abandon, reason, lessons, missing):
    deal = opportunity(org.rep1, amount=Decimal(A_AMOUNT))

    with pytest.raises(TransitionRefused) as caught:
        services.close_lost(
            opportunity=deal, user=org.rep1, reason=reason, lessons=lessons, abandon=abandon
        )

    assert missing_codes(caught.value) == missing
    stored = Opportunity.objects.get(pk=deal.pk)
    assert (stored.state, stored.loss_reason, stored.loss_lessons) == ("open", "", "")


@pytest.mark.parametrize(("abandon", "state"), [(False, "lost"), (True, "abandoned")])
def test_closing_lost_records_the_loss_review_and_closes_the_stage_history(org, abandon, state):
    with time_machine.travel(START, tick=False):
        deal = opportunity(org.rep1, amount=Decimal(A_AMOUNT))
    closed_at = START + timedelta(days=20)

    with time_machine.travel(closed_at, tick=False):
        closed = services.close_lost(
            opportunity=deal,
            user=org.rep1,
            reason="competitor",
            lessons="Meet the decision maker earlier",
            competitor="Rival Soft",
            abandon=abandon,
        )

    stored = Opportunity.objects.get(pk=deal.pk)
    assert (stored.state, stored.probability, stored.closed_at) == (state, 0, closed_at)
    assert (stored.loss_reason, stored.loss_competitor, stored.loss_lessons) == (
        "competitor",
        "Rival Soft",
        "Meet the decision maker earlier",
    )
    assert closed.state == state
    (row,) = StageHistory.objects.filter(opportunity=deal)
    assert (row.entered_at, row.exited_at) == (START, closed_at)


def test_an_unknown_loss_reason_is_invalid(org):
    deal = opportunity(org.rep1, amount=Decimal(A_AMOUNT))

    with pytest.raises(InvalidInput) as caught:
        services.close_lost(opportunity=deal, user=org.rep1, reason="bad_luck", lessons="None")

    assert caught.value.field == "reason"


@pytest.mark.parametrize("who", ["rep2", "solution", "delivery", "rep3"])
def test_only_the_ar_or_a_manager_closes_a_deal(org, who):
    deal = opportunity(
        org.rep1,
        amount=Decimal(A_AMOUNT),
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )

    with pytest.raises(NotAllowed):
        services.close_lost(opportunity=deal, user=org.user(who), reason="price", lessons="x")

    assert fresh(deal).state == "open"


def test_a_closed_deal_cannot_be_closed_again(org, partner_deal):
    services.close_lost(opportunity=partner_deal, user=org.rep1, reason="price", lessons="Lower")

    with pytest.raises(TransitionRefused) as caught:
        services.close_lost(opportunity=partner_deal, user=org.rep1, reason="timing", lessons="x")
    assert missing_codes(caught.value) == {"state"}
    with pytest.raises(TransitionRefused):
        services.win_partner_deal(opportunity=fresh(partner_deal), user=org.rep1)
    assert fresh(partner_deal).loss_reason == "price"


def test_a_registration_review_needs_only_the_ars_assessment(org, partner_deal):
    """Partner deals have no SR or FR: the partner brings solution and delivery."""
    review = services.request_review(
        opportunity=partner_deal, user=org.rep1, kind=ReviewKind.REGISTRATION
    )
    with pytest.raises(TransitionRefused) as caught:
        services.decide_review(review=review, user=org.manager, approve=True)
    assert missing_codes(caught.value) == {"relationship_assessment"}

    services.assess_review(review=review, user=org.rep1, relationship_assessment="Known partner")
    decided = services.decide_review(review=review, user=org.manager, approve=True)

    assert decided.state == "approved"
