"""Contract changes (合同变更): requested on a signed contract → assessed by FR and SR → decided by
a manager → applied as a new contract version; the old versions stay readable."""

from decimal import Decimal

import pytest

from contracts import services
from contracts.models import ChangeRequest, ChangeState, ContractState, ContractVersion
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused

from .steps import AMOUNT, NOW, approved, draft, executing, fresh, missing_codes, signed

NEW_TERMS = [
    {"label": "Advance", "percent": "50", "trigger": "signing"},
    {"label": "On acceptance", "percent": "50", "trigger": "acceptance", "days_to_pay": 15},
]


@pytest.fixture
def contract(org, deal):
    return signed(deal, org)


def request(contract, by, description="Two more sites", **kwargs):
    kwargs.setdefault("amount_delta", Decimal("50000"))
    return services.request_change(contract=contract, by=by, description=description, **kwargs)


def assessed(change, org):
    services.assess_change(change=change, by=org.delivery, fr_assessment="Doable, +3 weeks")
    return services.assess_change(change=change, by=org.solution, sr_assessment="Same design")


def approved_change(contract, org, **kwargs):
    change = assessed(request(contract, org.rep1, **kwargs), org)
    return services.decide_change(change=change, by=org.manager, approve=True)


# Requesting ------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["rep1", "manager"])
def test_the_ar_or_a_manager_requests_a_change_of_a_signed_contract(org, contract, who):
    change = request(contract, org.user(who))

    assert (change.state, change.amount_delta, change.requested_by) == (
        ChangeState.REQUESTED,
        Decimal("50000.00"),
        org.user(who),
    )
    assert change.requested_at == NOW
    assert change.new_terms is None


def test_an_executing_contract_is_changed_too(org, deal):
    contract = executing(deal, org)

    assert request(contract, org.rep1).state == ChangeState.REQUESTED


@pytest.mark.parametrize("stage", ["draft", "approved"])
def test_a_contract_not_yet_signed_is_edited_not_changed(org, deal, stage):
    contract = draft(deal, org.rep1) if stage == "draft" else approved(deal, org)

    with pytest.raises(TransitionRefused) as refused:
        request(contract, org.rep1)

    assert missing_codes(refused.value) == {"state"}
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize("who", ["solution", "delivery", "rep2", "finance"])
def test_only_the_ar_or_a_manager_requests_a_change(org, contract, who):
    with pytest.raises(NotAllowed):
        request(contract, org.user(who))
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": "   "}, "description"),
        ({"amount_delta": Decimal("0")}, "amount_delta"),
        ({"amount_delta": None}, "amount_delta"),
        ({"amount_delta": "0.001"}, "amount_delta"),  # rounds to no change at all
        ({"amount_delta": "much"}, "amount_delta"),
        ({"amount_delta": "NaN"}, "amount_delta"),
        ({"amount_delta": -AMOUNT}, "amount_delta"),
        ({"amount_delta": Decimal("-400000")}, "amount_delta"),
        ({"new_terms": [{"label": "All", "percent": "90", "trigger": "signing"}]}, "payment_terms"),
        ({"new_terms": [{"label": "Later", "percent": "100", "trigger": "date"}]}, "payment_terms"),
    ],
    ids=[
        "no-description",
        "zero-change",
        "no-change",
        "sub-cent-change",
        "not-a-number",
        "nan",
        "amount-to-zero",
        "amount-negative",
        "terms-90",
        "date-without-due-date",
    ],
)
def test_a_change_needs_a_description_and_a_real_change_keeping_the_amount_positive(
    org, contract, kwargs, field
):
    with pytest.raises(InvalidInput) as invalid:
        request(contract, org.rep1, **kwargs)

    assert invalid.value.field == field
    assert not ChangeRequest.objects.exists()


def test_new_terms_alone_are_a_change(org, contract):
    change = request(contract, org.rep1, amount_delta=0, new_terms=NEW_TERMS)

    assert change.amount_delta == Decimal("0")
    assert [(t["percent"], t["trigger"]) for t in change.new_terms] == [
        ("50", "signing"),
        ("50", "acceptance"),
    ]


def test_the_amount_may_drop_to_one_cent(org, contract):
    change = request(contract, org.rep1, amount_delta=-(AMOUNT - Decimal("0.01")))

    assert change.amount_delta == Decimal("-299999.99")


# Assessing -------------------------------------------------------------------------------------
def test_with_the_fr_and_sr_assessments_the_change_is_reviewed(org, contract):
    change = request(contract, org.rep1)

    half = services.assess_change(change=change, by=org.delivery, fr_assessment="Doable")
    assert (half.state, half.fr_assessment, half.sr_assessment) == ("requested", "Doable", "")

    both = services.assess_change(change=change, by=org.solution, sr_assessment="No redesign")
    assert (both.state, both.fr_assessment, both.sr_assessment) == (
        ChangeState.REVIEWED,
        "Doable",
        "No redesign",
    )


def test_the_sr_does_not_write_the_frs_assessment(org, contract):
    change = request(contract, org.rep1)

    with pytest.raises(NotAllowed):
        services.assess_change(change=change, by=org.solution, fr_assessment="Easy")

    assert fresh(change).fr_assessment == ""


def test_the_fr_does_not_write_the_srs_assessment(org, contract):
    change = request(contract, org.rep1)

    with pytest.raises(NotAllowed):
        services.assess_change(change=change, by=org.delivery, sr_assessment="Easy")

    assert fresh(change).sr_assessment == ""


@pytest.mark.parametrize("who", ["rep1", "rep2", "rep3"])
def test_outside_the_fr_and_sr_nobody_but_a_manager_assesses(org, contract, who):
    change = request(contract, org.rep1)

    with pytest.raises(NotAllowed):
        services.assess_change(change=change, by=org.user(who), fr_assessment="Fine")

    manager_wrote = services.assess_change(
        change=change, by=org.manager, fr_assessment="Fine", sr_assessment="Fine"
    )
    assert manager_wrote.state == ChangeState.REVIEWED


def test_an_empty_assessment_is_refused(org, contract):
    change = request(contract, org.rep1)

    with pytest.raises(InvalidInput):
        services.assess_change(change=change, by=org.delivery, fr_assessment="")


# Deciding --------------------------------------------------------------------------------------
def test_a_manager_approves_a_reviewed_change(org, contract):
    change = assessed(request(contract, org.rep1), org)

    decided = services.decide_change(change=change, by=org.manager, approve=True)

    assert (decided.state, decided.decided_by, decided.decided_at) == (
        ChangeState.APPROVED,
        org.manager,
        NOW,
    )


def test_a_change_is_approved_only_after_both_assessments(org, contract):
    change = request(contract, org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        services.decide_change(change=change, by=org.manager, approve=True)
    assert missing_codes(refused.value) == {"state"}


def test_rejecting_a_change_needs_a_comment(org, contract):
    change = assessed(request(contract, org.rep1), org)

    with pytest.raises(InvalidInput) as invalid:
        services.decide_change(change=change, by=org.manager, approve=False, comment="")
    assert invalid.value.field == "comment"
    assert fresh(change).state == ChangeState.REVIEWED

    rejected = services.decide_change(
        change=change, by=org.manager, approve=False, comment="Not in budget"
    )
    assert (rejected.state, rejected.decision_comment) == (ChangeState.REJECTED, "Not in budget")


@pytest.mark.parametrize("who", ["rep1", "solution", "delivery", "finance"])
def test_only_a_manager_above_the_deal_decides_a_change(org, contract, who):
    change = assessed(request(contract, org.rep1), org)

    with pytest.raises(NotAllowed):
        services.decide_change(change=change, by=org.user(who), approve=True)
    assert fresh(change).state == ChangeState.REVIEWED


# Applying --------------------------------------------------------------------------------------
def test_applying_a_change_makes_version_2_and_keeps_version_1(org, contract):
    change = approved_change(contract, org, new_terms=NEW_TERMS)

    changed = services.apply_change(change=change, by=org.rep1)

    changed = fresh(changed)
    assert (changed.version, changed.amount, changed.state) == (
        2,
        Decimal("350000.00"),
        ContractState.SIGNED,
    )
    assert [(t.percent, t.trigger, t.days_to_pay) for t in changed.terms.all()] == [
        (Decimal("50.00"), "signing", 30),
        (Decimal("50.00"), "acceptance", 15),
    ]
    v1, v2 = ContractVersion.objects.filter(contract=contract).order_by("version")
    assert (v1.version, v1.amount) == (1, AMOUNT)
    assert [(t["percent"], t["trigger"], t["due_date"]) for t in v1.terms] == [
        ("30.00", "signing", None),
        ("60.00", "acceptance", None),
        ("10.00", "date", "2031-06-30"),
    ]
    assert (v2.version, v2.amount, v2.reason, v2.created_by) == (
        2,
        Decimal("350000.00"),
        "Two more sites",
        org.rep1,
    )
    assert [t["percent"] for t in v2.terms] == ["50.00", "50.00"]
    change = fresh(change)
    assert (change.state, change.resulting_version, change.applied_at) == (
        ChangeState.APPLIED,
        2,
        NOW,
    )


def test_applying_an_amount_change_keeps_the_terms(org, contract):
    change = approved_change(contract, org, amount_delta=Decimal("-100000"))

    changed = fresh(services.apply_change(change=change, by=org.manager))

    assert (changed.version, changed.amount) == (2, Decimal("200000.00"))
    assert [t.percent for t in changed.terms.all()] == [
        Decimal("30.00"),
        Decimal("60.00"),
        Decimal("10.00"),
    ]
    assert [t["percent"] for t in changed.versions.get(version=2).terms] == [
        "30.00",
        "60.00",
        "10.00",
    ]


def test_two_applied_changes_make_version_3(org, contract):
    services.apply_change(change=approved_change(contract, org), by=org.rep1)
    changed = services.apply_change(
        change=approved_change(contract, org, amount_delta=Decimal("1000")), by=org.rep1
    )

    assert (changed.version, changed.amount) == (3, Decimal("351000.00"))
    assert list(contract.versions.values_list("version", "amount")) == [
        (1, Decimal("300000.00")),
        (2, Decimal("350000.00")),
        (3, Decimal("351000.00")),
    ]


def test_a_change_is_applied_once(org, contract):
    change = approved_change(contract, org)
    services.apply_change(change=change, by=org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        services.apply_change(change=change, by=org.rep1)

    assert missing_codes(refused.value) == {"state"}
    contract = fresh(contract)
    assert (contract.version, contract.amount) == (2, Decimal("350000.00"))
    assert contract.versions.count() == 2


@pytest.mark.parametrize("stage", ["requested", "reviewed", "rejected"])
def test_a_change_that_is_not_approved_is_not_applied(org, contract, stage):
    change = request(contract, org.rep1)
    if stage != "requested":
        change = assessed(change, org)
    if stage == "rejected":
        services.decide_change(change=change, by=org.manager, approve=False, comment="No")

    with pytest.raises(TransitionRefused) as refused:
        services.apply_change(change=change, by=org.rep1)

    assert missing_codes(refused.value) == {"state"}
    contract = fresh(contract)
    assert (contract.version, contract.amount) == (1, AMOUNT)
    assert contract.versions.count() == 1


@pytest.mark.parametrize("who", ["solution", "delivery"])
def test_only_the_ar_or_a_manager_applies_a_change(org, contract, who):
    change = approved_change(contract, org)

    with pytest.raises(NotAllowed):
        services.apply_change(change=change, by=org.user(who))
    assert fresh(change).state == ChangeState.APPROVED
