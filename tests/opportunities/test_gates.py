"""Stage gates: advancing is refused while anything is unmet, and the refusal lists it all."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from opportunities import services
from opportunities.models import DecisionRole, Opportunity, OpportunityTask, StageHistory

from ..factories import opportunity
from .steps import (
    A_AMOUNT,
    ALWAYS_MET,
    C_AMOUNT,
    D_AMOUNT,
    STAGE_CODES,
    STAGES,
    add_to_chain,
    codes_of,
    fresh,
    meet,
    missing_codes,
    previous_stage,
)

GATED_STAGES = STAGE_CODES[1:]  # every stage after the first has a gate to enter it
START = timezone.make_aware(datetime(2030, 5, 6, 9, 0))


def deal_before(org, target: str, *, amount=A_AMOUNT):
    """An A deal in the stage just before ``target``; SR and FR are on it unless the target's gate
    asks for them (so that the gate starts with nothing of its own done)."""
    target_codes = codes_of(target)
    triangle = {}
    if "solution_owner" not in target_codes:
        triangle["solution_owner"] = org.solution
    if "fulfillment_owner" not in target_codes:
        triangle["fulfillment_owner"] = org.delivery
    return opportunity(
        org.rep1, amount=Decimal(amount), stage_code=previous_stage(target), **triangle
    )


def refusal(opp, user, to_stage=None) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        services.advance(opportunity=opp, user=user, to_stage=to_stage)
    return caught.value


def test_the_first_stage_has_no_gate_and_every_deal_starts_there(org):
    opp = opportunity(org.rep1, amount=Decimal(A_AMOUNT))

    assert STAGES[STAGE_CODES[0]]["requirements"] == []
    assert opp.stage.code == "verify"
    assert opp.probability == STAGES["verify"]["probability"]
    assert list(
        StageHistory.objects.filter(opportunity=opp).values_list("stage__code", "exited_at")
    ) == [("verify", None)]


@pytest.mark.parametrize("target", GATED_STAGES)
def test_advancing_with_nothing_done_lists_every_unmet_requirement_of_the_stage(org, target):
    opp = deal_before(org, target)
    stays = StageHistory.objects.filter(opportunity=opp).count()

    error = refusal(opp, org.rep1)

    assert missing_codes(error) == codes_of(target) - ALWAYS_MET
    assert fresh(opp).stage.code == previous_stage(target)
    assert StageHistory.objects.filter(opportunity=opp).count() == stays


@pytest.mark.parametrize("target", GATED_STAGES)
def test_the_checklist_shows_every_requirement_of_the_stage_met_or_not(org, target):
    opp = deal_before(org, target)

    stage, items, _missing = services.gate(fresh(opp))

    assert stage.code == target
    assert {item.code for item in items} == codes_of(target)
    assert {item.code for item in items if item.met} == codes_of(target) & ALWAYS_MET


@pytest.mark.parametrize("target", GATED_STAGES)
def test_meeting_requirements_one_by_one_shrinks_the_list_until_the_gate_opens(org, target):
    opp = deal_before(org, target)
    remaining = codes_of(target) - ALWAYS_MET

    for code in sorted(remaining):
        meet(opp, code, org)
        remaining.discard(code)
        if remaining:
            assert missing_codes(refusal(opp, org.rep1)) == remaining

    moved = services.advance(opportunity=fresh(opp), user=org.rep1)
    assert moved.stage.code == target


@pytest.mark.parametrize("target", GATED_STAGES)
def test_passing_a_gate_records_who_passed_it_on_what_evidence(org, target):
    with time_machine.travel(START, tick=False):
        opp = deal_before(org, target)
        for code in codes_of(target) - ALWAYS_MET:
            meet(opp, code, org)
    passed_at = START + timedelta(days=3)
    (previous,) = StageHistory.objects.filter(opportunity=opp, exited_at__isnull=True)

    with time_machine.travel(passed_at, tick=False):
        moved = services.advance(opportunity=fresh(opp), user=org.rep1)

    assert (moved.stage.code, moved.probability) == (target, STAGES[target]["probability"])
    assert moved.stage_entered_at == passed_at
    previous.refresh_from_db()
    assert previous.exited_at == passed_at
    entered = StageHistory.objects.get(opportunity=opp, exited_at__isnull=True)
    assert (entered.stage.code, entered.entered_at, entered.exited_at) == (target, passed_at, None)
    assert entered.entered_by == org.rep1
    assert {item["code"] for item in entered.evidence} == codes_of(target)
    assert all(item["met"] for item in entered.evidence)
    assert fresh(opp).probability == STAGES[target]["probability"]


def test_a_manager_above_the_deal_may_advance_it(org):
    opp = deal_before(org, "approval")
    for code in codes_of("approval") - ALWAYS_MET:
        meet(opp, code, org)

    moved = services.advance(opportunity=fresh(opp), user=org.manager)

    assert moved.stage.code == "approval"
    assert (
        StageHistory.objects.get(opportunity=opp, stage__code="approval").entered_by == org.manager
    )


@pytest.mark.parametrize("who", ["solution", "delivery", "rep2", "rep3", "finance", "marketing"])
def test_only_the_ar_or_a_manager_advances(org, who):
    opp = deal_before(org, "approval")
    for code in codes_of("approval") - ALWAYS_MET:
        meet(opp, code, org)

    with pytest.raises(NotAllowed):
        services.advance(opportunity=fresh(opp), user=org.user(who))

    assert fresh(opp).stage.code == "verify"


@pytest.mark.parametrize("amount", [A_AMOUNT, 1_000_000], ids=["A", "B"])
@pytest.mark.parametrize("to_stage", ["needs_analysis", "negotiation"])
def test_full_process_deals_cannot_skip_a_stage(org, amount, to_stage):
    opp = opportunity(
        org.rep1,
        amount=Decimal(amount),
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )

    error = refusal(opp, org.rep1, to_stage=to_stage)

    assert "track" in missing_codes(error)
    assert fresh(opp).stage.code == "verify"


@pytest.mark.parametrize("amount", [C_AMOUNT, D_AMOUNT], ids=["C", "D"])
def test_fast_track_jump_to_signing_demands_its_gate_and_the_flagged_items_of_skipped_stages(
    org, amount
):
    opp = opportunity(org.rep1, amount=Decimal(amount))
    assert opp.grade in {"C", "D"}
    flagged = {
        code
        for stage in STAGE_CODES[1:-1]
        for _k, code, _r, ft in STAGES[stage]["requirements"]
        if ft
    }
    assert flagged == {"customer", "amount", "expected_close_date", "decision_chain", "verify_need"}

    error = refusal(opp, org.rep1, to_stage="negotiation")

    assert missing_codes(error) == (codes_of("negotiation") | flagged) - ALWAYS_MET
    # The fast-track deal's tasks include the signing stage's, assigned to the AR.
    assert set(
        OpportunityTask.objects.filter(opportunity=opp).values_list("code", "assignee__username")
    ) == {
        ("verify_need", "rep1"),
        ("commercial_agreement", "rep1"),
    }

    meet(opp, "fulfillment_owner", org)
    meet(opp, "commercial_agreement", org)
    add_to_chain(opp, role=DecisionRole.DECISION_MAKER)  # also puts a contact in the chain
    assert missing_codes(refusal(opp, org.rep1, to_stage="negotiation")) == {"verify_need"}
    meet(opp, "verify_need", org)

    moved = services.advance(opportunity=fresh(opp), user=org.rep1, to_stage="negotiation")

    assert (moved.stage.code, moved.probability) == (
        "negotiation",
        STAGES["negotiation"]["probability"],
    )
    entered = StageHistory.objects.get(opportunity=opp, stage__code="negotiation")
    assert {(item["stage"], item["code"]) for item in entered.evidence} >= {
        ("approval", "decision_chain"),
        ("approval", "verify_need"),
        ("negotiation", "commercial_agreement"),
    }
    assert all(item["met"] for item in entered.evidence)


@pytest.mark.parametrize("amount", [C_AMOUNT, D_AMOUNT], ids=["C", "D"])
def test_fast_track_jumps_only_from_the_first_stage_to_signing(org, amount):
    from_second = opportunity(org.rep1, amount=Decimal(amount), stage_code="approval")
    from_first = opportunity(org.rep1, amount=Decimal(amount))

    assert "track" in missing_codes(refusal(from_second, org.rep1, to_stage="negotiation"))
    assert "track" in missing_codes(refusal(from_first, org.rep1, to_stage="bidding"))
    assert "track" not in missing_codes(refusal(from_first, org.rep1, to_stage="negotiation"))


@pytest.mark.parametrize("to_stage", ["verify", "approval", "no_such_stage", "registered"])
def test_moving_backwards_in_place_or_to_an_unknown_stage_is_invalid(org, to_stage):
    opp = opportunity(org.rep1, amount=Decimal(A_AMOUNT), stage_code="approval")

    with pytest.raises(InvalidInput) as caught:
        services.advance(opportunity=opp, user=org.rep1, to_stage=to_stage)

    assert caught.value.field == "to_stage"
    assert fresh(opp).stage.code == "approval"


def test_the_last_stage_has_no_next_stage(org):
    opp = opportunity(org.rep1, amount=Decimal(A_AMOUNT), stage_code="negotiation")

    with pytest.raises(InvalidInput):
        services.advance(opportunity=opp, user=org.rep1)


def test_a_closed_opportunity_cannot_advance(org):
    opp = deal_before(org, "approval")
    for code in codes_of("approval") - ALWAYS_MET:
        meet(opp, code, org)
    services.close_lost(opportunity=opp, user=org.rep1, reason="price", lessons="Too expensive")

    error = refusal(opp, org.rep1)

    assert missing_codes(error) == {"state"}
    assert fresh(opp).stage.code == "verify"


@pytest.mark.parametrize(
    "field", ["stage", "probability", "grade", "state", "stage_entered_at", "process"]
)
def test_update_cannot_move_the_stage_or_its_consequences(org, field):
    opp = opportunity(org.rep1, amount=Decimal(A_AMOUNT))
    values = {
        "stage": fresh(opportunity(org.rep1, stage_code="negotiation")).stage,
        "probability": 80,
        "grade": "A",
        "state": "won",
        "stage_entered_at": timezone.now(),
        "process": opp.process,
    }

    with pytest.raises(InvalidInput) as caught:
        services.update_opportunity(opportunity=opp, by=org.rep1, **{field: values[field]})

    assert caught.value.field == field
    after = Opportunity.objects.get(pk=opp.pk)
    assert (after.stage.code, after.probability, after.state) == ("verify", 10, "open")


def test_walking_all_seven_stages_keeps_a_continuous_stage_history(org):
    opp = opportunity(org.rep1, amount=Decimal(A_AMOUNT))
    for day, target in enumerate(GATED_STAGES, start=1):
        for code in codes_of(target) - ALWAYS_MET:
            meet(opp, code, org)
        with time_machine.travel(START + timedelta(days=day), tick=False):
            services.advance(opportunity=fresh(opp), user=org.rep1)

    rows = list(StageHistory.objects.filter(opportunity=opp).order_by("entered_at", "id"))
    assert [row.stage.code for row in rows] == STAGE_CODES
    for before, after in zip(rows, rows[1:], strict=False):
        assert before.exited_at == after.entered_at
    assert rows[-1].exited_at is None
    assert fresh(opp).probability == STAGES["negotiation"]["probability"]


def test_a_process_with_a_gap_in_its_stage_order_still_goes_stage_by_stage(org):
    """Stages are data: removing one in the admin leaves a gap in the order numbers."""
    opp = opportunity(
        org.rep1,
        amount=Decimal(A_AMOUNT),
        stage_code="needs_analysis",
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )
    opp.process.stages.get(code="value_presentation").delete()

    error = refusal(opp, org.rep1)

    assert missing_codes(error) == codes_of("bid_preparation") - ALWAYS_MET
    for code in codes_of("bid_preparation") - ALWAYS_MET:
        meet(opp, code, org)
    assert services.advance(opportunity=fresh(opp), user=org.rep1).stage.code == "bid_preparation"
