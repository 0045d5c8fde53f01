"""Grading by amount (configurable thresholds), the partner grade, re-grading by hand."""

from decimal import Decimal

import pytest

from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from ltc.org.models import Role
from opportunities import services
from opportunities.models import GradeChange, GradingPolicy, Opportunity

from ..factories import UserFactory, opportunity
from .steps import missing_codes


@pytest.mark.parametrize(
    ("amount", "grade"),
    [
        ("5000000", "A"),
        ("4999999.99", "B"),
        ("80000000", "A"),
        ("1000000", "B"),
        ("999999.99", "C"),
        ("200000", "C"),
        ("199999.99", "D"),
        ("0.01", "D"),
    ],
)
def test_the_grade_follows_the_amount_thresholds(org, amount, grade):
    opp = opportunity(org.rep1, amount=Decimal(amount))

    assert opp.grade == grade
    assert opp.process.is_default
    assert opp.is_fast_track == (grade in {"C", "D"})
    assert list(opp.grade_changes.values_list("from_grade", "to_grade")) == [("", grade)]


@pytest.mark.parametrize("amount", ["50000", "9000000"])
def test_a_named_partner_makes_a_grade_e_deal_on_the_partner_process(org, amount):
    opp = opportunity(org.rep1, amount=Decimal(amount), partner="Acme Partner")

    assert opp.grade == "E"
    assert opp.process.for_partner_deals
    assert opp.stage.code == "registered"
    assert not opp.is_fast_track


def test_edited_grading_policy_changes_the_grade_of_new_deals(org):
    before = opportunity(org.rep1, amount=Decimal("600000"))
    policy = GradingPolicy.current()
    policy.c_min = Decimal("700000")
    policy.b_min = Decimal("600000")
    policy.save()

    after = opportunity(org.rep1, amount=Decimal("600000"))

    assert (before.grade, after.grade) == ("C", "B")
    assert Opportunity.objects.get(pk=before.pk).grade == "C"  # existing deals keep theirs


@pytest.mark.parametrize(("amount", "grade"), [("6000000", "A"), ("1500000", "B"), ("50000", "D")])
def test_changing_the_amount_regrades_the_deal_and_keeps_the_history(org, amount, grade):
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    updated = services.update_opportunity(opportunity=opp, by=org.rep1, amount=Decimal(amount))

    assert updated.grade == grade
    assert Opportunity.objects.get(pk=opp.pk).grade == grade
    assert list(
        GradeChange.objects.filter(opportunity=opp).values_list("from_grade", "to_grade")
    ) == [
        ("", "C"),
        ("C", grade),
    ]


def test_an_amount_change_within_the_grade_writes_no_grade_history(org):
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    services.update_opportunity(opportunity=opp, by=org.rep1, amount=Decimal("400000"))

    assert GradeChange.objects.filter(opportunity=opp).count() == 1


def test_a_grade_raised_by_a_manager_survives_a_lower_amount(org):
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    services.regrade(opportunity=opp, user=org.manager, grade="A", reason="Flagship customer")

    updated = services.update_opportunity(opportunity=opp, by=org.rep1, amount=Decimal("250000"))

    assert updated.grade == "A"
    assert Opportunity.objects.get(pk=opp.pk).grade_raised


def test_an_amount_that_earns_more_than_the_raised_grade_still_regrades(org):
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    services.regrade(opportunity=opp, user=org.manager, grade="B", reason="Flagship customer")

    updated = services.update_opportunity(opportunity=opp, by=org.rep1, amount=Decimal("7000000"))

    assert (updated.grade, updated.grade_raised) == ("A", False)


def test_a_manager_raises_the_grade_with_a_reason_and_it_is_recorded(org):
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    raised = services.regrade(
        opportunity=opp, user=org.manager, grade="A", reason="Flagship customer"
    )

    assert (raised.grade, raised.grade_raised) == ("A", True)
    change = GradeChange.objects.filter(opportunity=opp).latest("id")
    assert (change.from_grade, change.to_grade, change.reason, change.by) == (
        "C",
        "A",
        "Flagship customer",
        org.manager,
    )


@pytest.mark.parametrize("who", ["rep1", "rep2", "solution", "finance"])
def test_only_a_manager_above_the_deal_raises_the_grade(org, who):
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    with pytest.raises(NotAllowed):
        services.regrade(opportunity=opp, user=org.user(who), grade="A", reason="Flagship")

    assert Opportunity.objects.get(pk=opp.pk).grade == "C"


def test_a_manager_of_another_team_cannot_raise_the_grade(org):
    other = UserFactory(username="manager2", role=Role.MANAGER, team=org.team2)
    org.team2.leader = other
    org.team2.save()
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    with pytest.raises(NotAllowed):
        services.regrade(opportunity=opp, user=other, grade="A", reason="Flagship")

    assert GradeChange.objects.filter(opportunity=opp).count() == 1


@pytest.mark.parametrize("grade", ["C", "D", "E", "Z"])
def test_the_grade_is_only_raised(org, grade):
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    with pytest.raises(InvalidInput) as caught:
        services.regrade(opportunity=opp, user=org.manager, grade=grade, reason="Why not")

    assert caught.value.field == "grade"
    assert Opportunity.objects.get(pk=opp.pk).grade == "C"


def test_a_partner_deal_keeps_grade_e(org):
    opp = opportunity(org.rep1, amount=Decimal("300000"), partner="Acme Partner")

    with pytest.raises(InvalidInput):
        services.regrade(opportunity=opp, user=org.manager, grade="A", reason="Flagship")


@pytest.mark.parametrize("reason", ["", "   "])
def test_raising_the_grade_needs_a_reason(org, reason):
    opp = opportunity(org.rep1, amount=Decimal("300000"))

    with pytest.raises(InvalidInput) as caught:
        services.regrade(opportunity=opp, user=org.manager, grade="A", reason=reason)

    assert caught.value.field == "reason"
    assert GradeChange.objects.filter(opportunity=opp).count() == 1


def test_raising_a_c_deal_to_a_takes_it_off_the_fast_track(org):
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    assert opp.is_fast_track

    raised = services.regrade(opportunity=opp, user=org.manager, grade="A", reason="Flagship")

    assert not raised.is_fast_track
    with pytest.raises(TransitionRefused) as caught:
        services.advance(opportunity=raised, user=org.rep1, to_stage="negotiation")
    assert "track" in missing_codes(caught.value)
