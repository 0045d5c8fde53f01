"""A tender through its life: prepared, submitted, then won, lost or cancelled; the refusals
name every missing item; deadlines live in the calendar; a lost tender feeds the deal."""

from decimal import Decimal

import pytest

from ltc.activity.models import PlannedActivity, PlannedState
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from opportunities.models import Competitor, OpportunityState
from tenders import services
from tenders.models import Tender, TenderState

from .conftest import soon

pytestmark = pytest.mark.django_db


def _codes(exc) -> set[str]:
    return {m.code for m in exc.value.missing}


def test_a_new_tender_plans_its_two_deadlines_for_the_deals_ar(org, tender):
    planned = PlannedActivity.objects.filter(object_id=tender.pk).order_by("due_at")
    assert [p.due_at for p in planned] == [tender.questions_due_at, tender.submission_due_at]
    assert {p.owner for p in planned} == {org.rep1}
    assert tender.bond_currency == tender.opportunity.currency


def test_moving_a_deadline_moves_its_planned_activity(org, tender):
    later = soon(20)
    services.update_tender(tender=tender, by=org.solution, submission_due_at=later)
    tender.refresh_from_db()
    assert tender.submission_activity.due_at == later
    assert PlannedActivity.objects.filter(object_id=tender.pk).count() == 2


def test_questions_deadline_after_submission_is_refused_naming_the_field(org, tender):
    with pytest.raises(InvalidInput) as exc:
        services.update_tender(tender=tender, by=org.rep1, questions_due_at=soon(30))
    assert exc.value.field == "questions_due_at"


def test_submitting_lists_every_missing_item(org, tender):
    services.add_task(
        tender=tender, by=org.rep1, member=org.solution, role="sr", task="Technical bid"
    )
    with pytest.raises(TransitionRefused) as exc:
        services.submit_tender(tender=tender, by=org.rep1)
    assert _codes(exc) == {"submitted_price", "team_tasks"}


def test_the_bid_team_is_drawn_from_who_sees_the_deal(org, tender):
    with pytest.raises(InvalidInput) as exc:
        services.add_task(tender=tender, by=org.rep1, member=org.rep3, role="other", task="x")
    assert exc.value.field == "member"
    task = services.add_task(
        tender=tender, by=org.rep1, member=org.manager, role="commercial", task="Approve price"
    )
    assert task.member == org.manager


def test_prepared_submitted_and_won(org, tender):
    task = services.add_task(
        tender=tender, by=org.rep1, member=org.solution, role="sr", task="Technical bid"
    )
    services.complete_task(task=task, by=org.solution)
    tender = services.submit_tender(tender=tender, by=org.solution, price="1850000.004")
    assert tender.state == TenderState.SUBMITTED
    assert tender.submitted_price == Decimal("1850000.00")
    tender.refresh_from_db()
    assert tender.submission_activity.state == PlannedState.DONE
    assert tender.questions_activity.state == PlannedState.CANCELLED
    with pytest.raises(NotAllowed):
        services.win_tender(tender=tender, by=org.solution)
    tender = services.win_tender(tender=tender, by=org.rep1)
    assert tender.state == TenderState.WON and tender.decided_at


def test_losing_needs_the_winner_and_price_and_feeds_the_deals_competitors(org, tender):
    tender = services.submit_tender(tender=tender, by=org.rep1, price="1900000")
    with pytest.raises(TransitionRefused) as exc:
        services.lose_tender(tender=tender, by=org.rep1, winner="")
    assert _codes(exc) == {"winner", "winning_price"}
    services.lose_tender(tender=tender, by=org.rep1, winner="Acme Rail", winning_price="1750000")
    tender.refresh_from_db()
    assert tender.state == TenderState.LOST
    competitor = Competitor.objects.get(opportunity=tender.opportunity)
    assert competitor.name == "Acme Rail" and "1,750,000.00" in competitor.strengths
    assert tender.opportunity.state == OpportunityState.OPEN


def test_losing_can_close_the_deal_with_its_loss_review(org, tender):
    services.submit_tender(tender=tender, by=org.rep1, price="1900000")
    with pytest.raises(TransitionRefused) as exc:
        services.lose_tender(
            tender=tender, by=org.rep1, winner="Acme", winning_price="1", close_deal=True
        )
    assert _codes(exc) == {"lessons"}
    services.lose_tender(
        tender=tender,
        by=org.manager,
        winner="Acme",
        winning_price="1700000",
        close_deal=True,
        reason="price",
        lessons="They were 10% cheaper.",
    )
    deal = tender.opportunity
    deal.refresh_from_db()
    assert deal.state == OpportunityState.LOST
    assert (deal.loss_reason, deal.loss_competitor) == ("price", "Acme")


def test_cancelling_needs_a_reason_and_cancels_the_deadlines(org, tender):
    with pytest.raises(TransitionRefused) as exc:
        services.cancel_tender(tender=tender, by=org.rep1, note=" ")
    assert _codes(exc) == {"result_note"}
    services.cancel_tender(tender=tender, by=org.rep1, note="The issuer withdrew the tender.")
    states = set(
        PlannedActivity.objects.filter(object_id=tender.pk).values_list("state", flat=True)
    )
    assert states == {PlannedState.CANCELLED}


def test_one_tender_in_progress_per_deal(org, tender):
    with pytest.raises(TransitionRefused) as exc:
        services.create_tender(
            opportunity=tender.opportunity,
            by=org.rep1,
            number="ZB-2",
            issuer="x",
            submission_due_at=soon(3),
        )
    assert _codes(exc) == {"active_tender"}


def test_the_bond_is_returned_once_after_the_result(org, tender):
    with pytest.raises(TransitionRefused) as exc:
        services.return_bond(tender=tender, by=org.rep1)
    assert _codes(exc) == {"state"}
    services.cancel_tender(tender=tender, by=org.rep1, note="Withdrawn")
    tender = services.return_bond(tender=tender, by=org.rep1)
    assert not tender.bond_outstanding
    with pytest.raises(TransitionRefused) as exc:
        services.return_bond(tender=tender, by=org.rep1)
    assert _codes(exc) == {"bond_returned_on"}


def test_a_tender_is_never_deleted(tender):
    from ltc.core.deletion import DeletionRefused

    with pytest.raises(DeletionRefused):
        tender.delete()


def test_a_tender_is_seen_by_exactly_who_sees_its_deal(org, tender):
    from opportunities.models import Opportunity

    for name in ("admin", "manager", "rep1", "rep2", "rep3", "solution", "finance"):
        user = org.user(name)
        sees_deal = Opportunity.objects.visible_to(user).filter(pk=tender.opportunity_id).exists()
        assert Tender.objects.visible_to(user).filter(pk=tender.pk).exists() == sees_deal, name
