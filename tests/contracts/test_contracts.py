"""Contracts (合同): drafted in the signing stage, reviewed (escalated when thin or risky), signed
together with the won deal, accepted by delivery, evaluated and closed, or cancelled before
signing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from contracts import services
from contracts.models import Contract, ContractState, PaymentTerm
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from ltc.org.models import Role
from opportunities import services as deals
from opportunities.models import (
    Opportunity,
    OpportunityState,
    Review,
    ReviewKind,
    ReviewState,
    Stage,
)

from ..factories import UserFactory, opportunity
from .steps import (
    AMOUNT,
    LINES,
    NOW,
    TERMS,
    TODAY,
    approved,
    draft,
    executing,
    fresh,
    missing_codes,
    set_policy,
    signed,
    signing_deal,
    submit,
)


# Drafting --------------------------------------------------------------------------------------
def cost_for(margin) -> Decimal:
    """The cost that leaves ``margin`` percent of the default amount."""
    return (AMOUNT * (100 - Decimal(str(margin))) / 100).quantize(Decimal("0.01"))


def test_a_contract_is_drafted_from_a_deal_in_its_signing_stage(org, deal):
    contract = draft(deal, org.rep1, cost=cost_for("22.5"))

    contract = fresh(contract)
    assert (contract.state, contract.version, contract.amount) == ("draft", 1, AMOUNT)
    assert (contract.opportunity, contract.customer) == (deal, deal.customer)
    assert contract.number == f"HT-2030-{contract.pk:05d}"
    assert [(t.label, t.percent, t.trigger) for t in contract.terms.all()] == [
        ("Advance", Decimal("30.00"), "signing"),
        ("On acceptance", Decimal("60.00"), "acceptance"),
        ("After the warranty", Decimal("10.00"), "date"),
    ]
    assert contract.terms_total() == Decimal("100")
    assert list(contract.versions.values_list("version", "amount")) == [(1, AMOUNT)]
    assert (contract.margin_percent, contract.cost_source, contract.cost_by) == (
        Decimal("22.50"),
        "assessment",
        org.solution,
    )


def test_a_deal_before_its_signing_stage_gets_no_contract(org):
    early = opportunity(org.rep1, stage_code="needs_analysis")

    with pytest.raises(TransitionRefused) as refused:
        draft(early, org.rep1)

    assert missing_codes(refused.value) == {"signing_stage"}
    assert not Contract.objects.exists()


def test_a_won_deal_gets_a_contract(org, deal):
    Opportunity.objects.filter(pk=deal.pk).update(state=OpportunityState.WON)

    assert draft(deal, org.rep1).state == ContractState.DRAFT


def test_the_contract_of_a_won_deal_goes_into_review(org, deal):
    Opportunity.objects.filter(pk=deal.pk).update(state=OpportunityState.WON)

    assert submit(draft(deal, org.rep1), org).state == ContractState.IN_REVIEW


@pytest.mark.parametrize("state", [OpportunityState.LOST, OpportunityState.ABANDONED])
def test_a_closed_deal_gets_no_contract(org, deal, state):
    Opportunity.objects.filter(pk=deal.pk).update(state=state)

    with pytest.raises(TransitionRefused) as refused:
        draft(deal, org.rep1)
    assert missing_codes(refused.value) == {"state"}


def test_a_deal_has_one_live_contract_and_a_new_one_after_cancelling_it(org, deal):
    first = draft(deal, org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        draft(deal, org.rep1)
    assert missing_codes(refused.value) == {"one_contract"}

    services.cancel_contract(contract=first, by=org.rep1, reason="Customer merged two lots")
    second = draft(deal, org.rep1)
    assert second.pk != first.pk
    assert list(Contract.objects.filter(opportunity=deal).values_list("state", flat=True)) == [
        "draft",
        "cancelled",
    ]


@pytest.mark.parametrize("who", ["solution", "delivery", "rep2", "finance"])
def test_only_the_ar_or_a_manager_drafts_the_contract(org, deal, who):
    with pytest.raises(NotAllowed):
        draft(deal, org.user(who))
    assert draft(deal, org.manager).created_by == org.manager


# Payment terms ---------------------------------------------------------------------------------
def terms(*percents, trigger="signing") -> list[dict]:
    return [
        {"label": f"Milestone {i}", "percent": p, "trigger": trigger}
        for i, p in enumerate(percents, start=1)
    ]


@pytest.mark.parametrize(
    "payment_terms",
    [
        terms("90"),
        terms("60", "50"),
        terms("99.99"),
        terms("33.33", "33.33", "33.33"),
        terms("100.001"),
        terms("0", "100"),
        terms("-10", "110"),
        terms("NaN"),
        terms("Infinity"),
        terms("hundred"),
        terms("100", trigger="whenever"),
        [{"label": "On a date", "percent": "100", "trigger": "date"}],
        [{"label": "On a date", "percent": "100", "trigger": "date", "due_date": "30/06/2031"}],
        [{"label": " ", "percent": "100", "trigger": "signing"}],
        [],
        None,
    ],
    ids=lambda t: "-".join(f"{x['percent']}{x['trigger']}" for x in t) if t else repr(t),
)
def test_payment_terms_that_do_not_total_exactly_100_percent_are_refused(org, deal, payment_terms):
    with pytest.raises(InvalidInput) as invalid:
        draft(deal, org.rep1, payment_terms=payment_terms)

    assert invalid.value.field == "payment_terms"
    assert not Contract.objects.exists()


def test_payment_terms_in_hundredths_that_total_100_percent_are_accepted(org, deal):
    contract = draft(deal, org.rep1, payment_terms=terms("33.33", "33.33", "33.34"))

    assert fresh(contract).terms_total() == Decimal("100.00")


@pytest.mark.parametrize(
    ("amount", "percents", "expected"),
    [
        ("100.01", ("33.33", "33.33", "33.34"), ("33.33", "33.34", "33.34")),
        ("0.05", ("33.33", "33.33", "33.34"), ("0.02", "0.01", "0.02")),
        ("1000000.00", ("30", "60", "10"), ("300000.00", "600000.00", "100000.00")),
        ("99.99", ("12.5", "12.5", "75"), ("12.50", "12.50", "74.99")),
    ],
)
def test_the_milestone_amounts_add_up_to_the_contract_amount_to_the_cent(
    org, deal, amount, percents, expected
):
    contract = draft(deal, org.rep1, amount=amount, payment_terms=terms(*percents))
    contract = Contract.objects.prefetch_related("terms").get(pk=contract.pk)
    shares = [term.amount_of(contract.amount) for term in contract.terms.all()]

    assert shares == [Decimal(x) for x in expected]
    assert sum(shares) == Decimal(amount)


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "NaN"])
def test_the_contract_amount_must_be_a_positive_number(org, deal, amount):
    with pytest.raises(InvalidInput) as invalid:
        draft(deal, org.rep1, amount=amount)
    assert invalid.value.field == "amount"


@pytest.mark.parametrize("cost", ["abc", "NaN", "-0.01", "1e14", None])
def test_the_cost_must_be_a_number_zero_or_more(org, deal, cost):
    contract = draft(deal, org.rep1, cost=cost_for("12.5"))
    with pytest.raises(InvalidInput) as invalid:
        services.assess_contract_cost(contract=contract, by=org.solution, cost_amount=cost)
    assert invalid.value.field == "cost_amount"
    assert fresh(contract).margin_percent == Decimal("12.50")


def test_a_contract_refers_only_to_a_quote_of_its_own_deal(org, deal):
    other = signing_deal(org.rep1)
    foreign = services.create_quote(opportunity=other, by=org.rep1, valid_until=TODAY, lines=LINES)

    with pytest.raises(InvalidInput) as invalid:
        draft(deal, org.rep1, quote=foreign)
    assert invalid.value.field == "quote"


# Review ----------------------------------------------------------------------------------------
def test_submitting_creates_a_contract_review_on_the_deal(org, deal):
    contract = submit(draft(deal, org.rep1, cost=cost_for(20)), org)

    contract = fresh(contract)
    review = contract.review
    assert contract.state == ContractState.IN_REVIEW
    assert (review.opportunity, review.kind, review.state) == (deal, ReviewKind.CONTRACT, "pending")
    assert review.details["contract"] == contract.pk
    assert review.details["escalated"] is False
    assert review.details["margin_percent"] == "20.00"
    assert review.details["escalated_because"] == []
    assert not review.needs_second_approval


def test_a_contract_whose_terms_no_longer_total_100_is_not_submitted(org, deal):
    contract = draft(deal, org.rep1)
    PaymentTerm.objects.filter(contract=contract, label="Advance").delete()

    with pytest.raises(TransitionRefused) as refused:
        services.submit_contract(contract=contract, by=org.rep1)

    assert missing_codes(refused.value) == {"terms_total_100"}
    assert fresh(contract).state == ContractState.DRAFT
    assert not Review.objects.filter(kind=ReviewKind.CONTRACT).exists()


@pytest.mark.parametrize("who", ["solution", "delivery"])
def test_only_the_ar_or_a_manager_submits_the_contract(org, deal, who):
    contract = draft(deal, org.rep1)

    with pytest.raises(NotAllowed):
        services.submit_contract(contract=contract, by=org.user(who))
    assert fresh(contract).state == ContractState.DRAFT


def test_an_approved_review_approves_the_contract(org, deal):
    contract = submit(draft(deal, org.rep1), org)

    decided = services.decide_contract(contract=contract, by=org.manager, approve=True)

    assert decided.state == ContractState.APPROVED
    assert (decided.review.state, decided.review.decided_by) == ("approved", org.manager)


def test_the_contract_follows_its_review_decided_from_the_opportunity(org, deal):
    contract = submit(draft(deal, org.rep1), org)

    deals.decide_review(review=contract.review, user=org.manager, approve=True)

    assert fresh(contract).state == ContractState.APPROVED


def test_a_rejected_review_needs_a_comment_and_returns_the_contract_to_draft(org, deal):
    contract = submit(draft(deal, org.rep1), org)

    with pytest.raises(InvalidInput) as invalid:
        services.decide_contract(contract=contract, by=org.manager, approve=False)
    assert invalid.value.field == "comment"
    assert fresh(contract).state == ContractState.IN_REVIEW

    rejected = services.decide_contract(
        contract=contract, by=org.manager, approve=False, comment="Margin too thin"
    )
    assert rejected.state == ContractState.DRAFT
    assert (rejected.review.state, rejected.review.comment) == ("rejected", "Margin too thin")

    services.assess_contract_cost(contract=rejected, by=org.solution, cost_amount=cost_for(25))
    again = submit(rejected, org)
    assert again.state == ContractState.IN_REVIEW
    assert again.review_id != rejected.review_id
    assert Review.objects.filter(opportunity=deal, kind=ReviewKind.CONTRACT).count() == 2
    approved_ = services.decide_contract(contract=again, by=org.manager, approve=True)
    assert approved_.state == ContractState.APPROVED


@pytest.mark.parametrize("who", ["rep1", "rep2", "solution"])
def test_the_deals_triangle_does_not_decide_its_contract_review(org, deal, who):
    contract = submit(draft(deal, org.rep1), org)

    with pytest.raises(NotAllowed):
        services.decide_contract(contract=contract, by=org.user(who), approve=True)
    assert fresh(contract).state == ContractState.IN_REVIEW


def test_a_contract_outside_review_is_not_decided(org, deal):
    contract = draft(deal, org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        services.decide_contract(contract=contract, by=org.manager, approve=True)
    assert missing_codes(refused.value) == {"state"}


def test_the_review_records_how_long_the_decision_took(org, deal, frozen):
    contract = submit(draft(deal, org.rep1), org)

    frozen.shift(timedelta(hours=3))
    services.decide_contract(contract=contract, by=org.manager, approve=True)

    review = fresh(contract.review)
    assert (review.requested_at, review.decided_at) == (NOW, NOW + timedelta(hours=3))
    assert review.duration_seconds == 3 * 3600


# Escalation ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fields",
    [
        {"cost": cost_for("14.99")},
        {"cost": cost_for("-5")},
        {"is_risky": True},
        {"cost": None},
    ],
    ids=["thin-margin", "loss", "risky", "no-cost-entered"],
)
def test_a_thin_margin_or_risky_contract_needs_a_second_approver(org, deal, fields):
    contract = submit(draft(deal, org.rep1, **fields), org)
    assert fresh(contract.review).needs_second_approval

    first = services.decide_contract(contract=contract, by=org.manager, approve=True)

    review = fresh(contract.review)
    assert first.state == ContractState.IN_REVIEW
    assert (review.state, review.first_approved_by, review.first_approved_at) == (
        "pending",
        org.manager,
        NOW,
    )
    with pytest.raises(NotAllowed):
        services.decide_contract(contract=contract, by=org.manager, approve=True)
    with pytest.raises(NotAllowed):
        services.decide_contract(contract=contract, by=org.rep2, approve=True)
    assert fresh(contract).state == ContractState.IN_REVIEW

    second = services.decide_contract(contract=contract, by=org.admin, approve=True)

    review = fresh(contract.review)
    assert second.state == ContractState.APPROVED
    assert (review.state, review.decided_by, review.first_approved_by) == (
        "approved",
        org.admin,
        org.manager,
    )


@pytest.mark.parametrize(
    "fields",
    [{"cost": cost_for(15)}, {"cost": cost_for(40)}, {}],
    ids=["at-the-floor", "healthy", "the-owners-cost"],
)
def test_a_contract_at_or_above_the_margin_floor_is_approved_by_the_manager_alone(
    org, deal, fields
):
    contract = submit(draft(deal, org.rep1, **fields), org)

    decided = services.decide_contract(contract=contract, by=org.manager, approve=True)

    assert decided.state == ContractState.APPROVED
    assert fresh(contract.review).first_approved_by is None


def test_the_margin_floor_comes_from_the_commercial_policy(org, deal):
    set_policy(margin_floor=Decimal("30"))

    contract = submit(draft(deal, org.rep1, cost=cost_for(25)), org)

    assert fresh(contract.review).needs_second_approval


def test_a_leader_above_the_first_approver_gives_the_second_approval(org, deal):
    director = UserFactory(username="director", role=Role.MANAGER, team=org.region)
    org.region.leader = director
    org.region.save()
    contract = submit(draft(deal, org.rep1, is_risky=True), org)
    services.decide_contract(contract=contract, by=org.manager, approve=True)

    decided = services.decide_contract(contract=contract, by=director, approve=True)

    assert decided.state == ContractState.APPROVED


def test_an_escalated_review_is_rejected_by_one_manager(org, deal):
    contract = submit(draft(deal, org.rep1, is_risky=True), org)

    decided = services.decide_contract(
        contract=contract, by=org.manager, approve=False, comment="Too risky"
    )

    assert decided.state == ContractState.DRAFT
    assert fresh(contract.review).state == ReviewState.REJECTED


def test_an_escalated_review_counts_its_duration_to_the_second_approval(org, deal, frozen):
    contract = submit(draft(deal, org.rep1, is_risky=True), org)
    frozen.shift(timedelta(hours=1))
    services.decide_contract(contract=contract, by=org.manager, approve=True)
    assert fresh(contract.review).duration_seconds is None

    frozen.shift(timedelta(hours=2))
    services.decide_contract(contract=contract, by=org.admin, approve=True)

    assert fresh(contract.review).duration_seconds == 3 * 3600


# Signing ---------------------------------------------------------------------------------------
def test_signing_wins_the_deal_in_the_same_transaction(org, deal):
    contract = approved(deal, org)

    signed_ = services.sign_contract(contract=contract, by=org.rep1)

    assert (signed_.state, signed_.signed_on) == (ContractState.SIGNED, TODAY)
    deal = fresh(deal)
    assert (deal.state, deal.closed_at) == (OpportunityState.WON, NOW)


def test_signing_a_contract_of_a_won_deal_leaves_the_deal_won(org, deal):
    contract = approved(deal, org)
    Opportunity.objects.filter(pk=deal.pk).update(state=OpportunityState.WON)

    assert services.sign_contract(contract=contract, by=org.rep1).state == ContractState.SIGNED
    assert fresh(deal).state == OpportunityState.WON


@pytest.mark.parametrize("state", [OpportunityState.LOST, OpportunityState.ABANDONED])
def test_signing_for_a_deal_closed_meanwhile_changes_neither(org, deal, state):
    contract = approved(deal, org)
    Opportunity.objects.filter(pk=deal.pk).update(state=state)

    with pytest.raises(TransitionRefused) as refused:
        services.sign_contract(contract=contract, by=org.rep1)

    assert missing_codes(refused.value) == {"state"}
    contract = fresh(contract)
    assert (contract.state, contract.signed_on) == (ContractState.APPROVED, None)
    assert fresh(deal).state == state


def test_signing_for_a_deal_moved_out_of_its_signing_stage_changes_neither(org, deal):
    contract = approved(deal, org)
    bidding = Stage.objects.get(process=deal.process, code="bidding")
    Opportunity.objects.filter(pk=deal.pk).update(stage=bidding)

    with pytest.raises(TransitionRefused) as refused:
        services.sign_contract(contract=contract, by=org.rep1)

    assert missing_codes(refused.value) == {"signing_stage"}
    contract = fresh(contract)
    assert (contract.state, contract.signed_on) == (ContractState.APPROVED, None)
    deal = fresh(deal)
    assert (deal.state, deal.stage.code, deal.closed_at) == ("open", "bidding", None)


def test_a_contract_is_not_signed_before_its_review_is_approved(org, deal):
    contract = submit(draft(deal, org.rep1), org)

    with pytest.raises(TransitionRefused) as in_review:
        services.sign_contract(contract=contract, by=org.rep1)
    assert missing_codes(in_review.value) == {"state"}

    # Even a contract forced to approved is not signed while its review is pending.
    Contract.objects.filter(pk=contract.pk).update(state=ContractState.APPROVED)
    with pytest.raises(TransitionRefused) as pending:
        services.sign_contract(contract=contract, by=org.rep1)
    assert missing_codes(pending.value) == {"review_approved"}
    assert fresh(deal).state == OpportunityState.OPEN


def test_a_contract_is_not_signed_in_the_future(org, deal):
    contract = approved(deal, org)

    with pytest.raises(InvalidInput) as invalid:
        services.sign_contract(contract=contract, by=org.rep1, signed_on=TODAY + timedelta(days=1))
    assert invalid.value.field == "signed_on"
    assert fresh(contract).state == ContractState.APPROVED


@pytest.mark.parametrize("who", ["solution", "delivery", "rep2", "finance"])
def test_only_the_ar_or_a_manager_signs(org, deal, who):
    contract = approved(deal, org)

    with pytest.raises(NotAllowed):
        services.sign_contract(contract=contract, by=org.user(who))
    assert fresh(contract).state == ContractState.APPROVED

    assert services.sign_contract(contract=contract, by=org.manager).state == ContractState.SIGNED


# Delivery, evaluation, closing -----------------------------------------------------------------
@pytest.mark.parametrize("who", ["delivery", "manager"])
def test_the_fr_or_a_manager_accepts_the_signed_contract_for_delivery(org, deal, who):
    contract = signed(deal, org)

    accepted = services.accept_contract(contract=contract, by=org.user(who))

    assert (accepted.state, accepted.accepted_at) == (ContractState.EXECUTING, NOW)


@pytest.mark.parametrize("who", ["solution", "rep1", "rep2"])
def test_neither_the_sr_nor_the_ar_accepts_for_delivery(org, deal, who):
    contract = signed(deal, org)

    with pytest.raises(NotAllowed):
        services.accept_contract(contract=contract, by=org.user(who))
    assert fresh(contract).state == ContractState.SIGNED


def test_a_contract_without_an_fr_is_not_accepted_for_delivery(org):
    no_fr = signing_deal(org.rep1, solution=org.solution)
    contract = services.submit_contract(
        contract=draft(no_fr, org.rep1),
        by=org.manager,
        relationship_assessment="Sponsor known",
        solution_assessment="Fits",
        delivery_assessment="Partner delivers",
    )
    services.decide_contract(contract=contract, by=org.admin, approve=True)
    contract = services.sign_contract(contract=contract, by=org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        services.accept_contract(contract=contract, by=org.manager)
    assert missing_codes(refused.value) == {"fulfillment_owner"}
    assert fresh(contract).state == ContractState.SIGNED


def test_an_unsigned_contract_is_not_accepted_for_delivery(org, deal):
    contract = approved(deal, org)

    with pytest.raises(TransitionRefused) as refused:
        services.accept_contract(contract=contract, by=org.delivery)
    assert missing_codes(refused.value) == {"state"}


def evaluate(contract, by, **overrides):
    fields = {
        "profitability": "as_planned",
        "schedule_kept": True,
        "acceptance_smooth": False,
        "lessons": "Book the acceptance meeting early.",
        "score": 4,
        **overrides,
    }
    return services.record_evaluation(contract=contract, by=by, **fields)


def test_a_contract_needs_its_evaluation_to_close(org, deal, frozen):
    # (billing adds its own check: every milestone invoiced and paid; tests/billing closes one)
    contract = executing(deal, org)

    with pytest.raises(TransitionRefused) as refused:
        services.close_contract(contract=contract, by=org.rep1)
    assert missing_codes(refused.value) == {"evaluation", "contract_invoiced"}
    assert fresh(contract).state == ContractState.EXECUTING

    evaluation = evaluate(contract, org.delivery)
    assert (evaluation.score, evaluation.by, evaluation.profitability) == (
        4,
        org.delivery,
        "as_planned",
    )
    assert {m.code for m in services.close_missing(contract)} == {"contract_invoiced"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "5"}, "score"),
        ({"lessons": "  "}, "lessons"),
        ({"profitability": "great"}, "profitability"),
    ],
)
def test_an_evaluation_has_a_score_of_1_to_5_and_lessons(org, deal, overrides, field):
    contract = executing(deal, org)

    with pytest.raises(InvalidInput) as invalid:
        evaluate(contract, org.rep1, **overrides)

    assert invalid.value.field == field
    assert not hasattr(fresh(contract), "evaluation")


def test_an_evaluation_is_recorded_only_while_executing(org, deal):
    contract = signed(deal, org)

    with pytest.raises(TransitionRefused):
        evaluate(contract, org.rep1)


# Cancelling ------------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", ["draft", "approved"])
def test_a_contract_is_cancelled_before_signing_with_a_reason(org, deal, stage):
    contract = draft(deal, org.rep1) if stage == "draft" else approved(deal, org)

    with pytest.raises(InvalidInput) as invalid:
        services.cancel_contract(contract=contract, by=org.rep1, reason=" ")
    assert invalid.value.field == "reason"

    cancelled = services.cancel_contract(contract=contract, by=org.rep1, reason="Budget frozen")
    assert (cancelled.state, cancelled.cancel_reason) == ("cancelled", "Budget frozen")
    assert fresh(deal).state == OpportunityState.OPEN


def test_cancelling_a_contract_in_review_closes_its_pending_review_as_rejected(org, deal):
    contract = submit(draft(deal, org.rep1), org)

    cancelled = services.cancel_contract(contract=contract, by=org.rep1, reason="Budget frozen")

    review = fresh(contract.review)
    assert cancelled.state == ContractState.CANCELLED
    assert (review.state, review.decided_by, review.comment) == (
        "rejected",
        org.rep1,
        "Budget frozen",
    )
    # A new contract of the deal goes into a review of its own.
    assert submit(draft(deal, org.rep1), org).review_id != review.pk


@pytest.mark.parametrize("stage", ["signed", "executing"])
def test_a_signed_contract_is_never_cancelled(org, deal, stage):
    contract = signed(deal, org) if stage == "signed" else executing(deal, org)

    with pytest.raises(TransitionRefused) as refused:
        services.cancel_contract(contract=contract, by=org.manager, reason="Changed our mind")

    assert missing_codes(refused.value) == {"state"}
    assert fresh(contract).state == stage


@pytest.mark.parametrize("who", ["solution", "delivery"])
def test_only_the_ar_or_a_manager_cancels(org, deal, who):
    contract = draft(deal, org.rep1)

    with pytest.raises(NotAllowed):
        services.cancel_contract(contract=contract, by=org.user(who), reason="Not needed")
    assert fresh(contract).state == ContractState.DRAFT


# Editing ---------------------------------------------------------------------------------------
def test_only_a_draft_contract_is_edited(org, deal):
    contract = submit(draft(deal, org.rep1), org)

    with pytest.raises(TransitionRefused) as refused:
        services.update_contract(contract=contract, by=org.rep1, amount="1")
    assert missing_codes(refused.value) == {"state"}
    assert fresh(contract).amount == AMOUNT


def test_editing_a_draft_rewrites_its_terms_and_version_1(org, deal):
    contract = draft(deal, org.rep1)

    services.update_contract(
        contract=contract,
        by=org.rep1,
        amount="250000",
        payment_terms=TERMS[:1] + [{"label": "Rest", "percent": "70", "trigger": "acceptance"}],
    )

    contract = fresh(contract)
    assert contract.amount == Decimal("250000.00")
    assert [t.percent for t in contract.terms.all()] == [Decimal("30.00"), Decimal("70.00")]
    version = contract.versions.get()
    assert (version.version, version.amount, [t["percent"] for t in version.terms]) == (
        1,
        Decimal("250000.00"),
        ["30.00", "70.00"],
    )
