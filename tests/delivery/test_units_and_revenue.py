"""Delivery units go planned → shipped → accepted; revenue is recognised on acceptance only, in the
month of the acceptance date, and a manager's recorded correction reverses it."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from delivery import services
from delivery.models import (
    DeliveryUnit,
    OrderState,
    RevenueEntry,
    UnitCorrection,
    UnitState,
)
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused

from ..profiles import examples
from .steps import NOW, TODAY, fresh, missing_codes, order, revenue_of, units_of

AMOUNTS = ("1000", "2000.50", "3000")


@pytest.fixture
def placed(org, contract):
    """An order of three planned units (1,000 + 2,000.50 + 3,000)."""
    return order(contract, org.delivery, amounts=AMOUNTS)


@pytest.fixture
def unit(placed):
    return units_of(placed)[0]


def shipped(unit, by, on=None):
    return services.ship_unit(unit=unit, by=by, on=on)


def accepted(unit, by, on=None, certificate="AC-2030-001"):
    return services.accept_unit(unit=unit, by=by, certificate=certificate, on=on)


# Shipping and accepting ------------------------------------------------------------------------
def test_the_fr_ships_a_unit_and_the_order_is_delivering(org, placed, unit):
    unit = shipped(unit, org.delivery, on=TODAY - timedelta(days=2))

    unit = fresh(unit)
    assert (unit.state, unit.shipped_on) == (UnitState.SHIPPED, TODAY - timedelta(days=2))
    assert fresh(placed).state == OrderState.DELIVERING


def test_a_unit_is_not_shipped_in_the_future_nor_twice(org, unit):
    with pytest.raises(InvalidInput) as invalid:
        shipped(unit, org.delivery, on=TODAY + timedelta(days=1))
    assert invalid.value.field == "date"
    assert fresh(unit).state == UnitState.PLANNED

    shipped(unit, org.delivery)
    with pytest.raises(TransitionRefused) as refused:
        shipped(unit, org.delivery)
    assert missing_codes(refused.value) == {"state"}


def test_the_fr_accepts_a_shipped_unit_with_the_customers_certificate(org, placed, unit):
    shipped(unit, org.delivery, on=TODAY - timedelta(days=3))

    accepted(unit, org.delivery, on=TODAY - timedelta(days=1), certificate="  AC-7  ")

    unit = fresh(unit)
    assert (unit.state, unit.accepted_on, unit.certificate, unit.accepted_by) == (
        UnitState.ACCEPTED,
        TODAY - timedelta(days=1),
        "AC-7",
        org.delivery,
    )
    assert fresh(placed).state == OrderState.DELIVERING  # two units are still planned


@pytest.mark.parametrize("certificate", ["", "   ", None])
def test_an_acceptance_needs_the_certificate(org, unit, certificate):
    shipped(unit, org.delivery)

    with pytest.raises(InvalidInput) as invalid:
        accepted(unit, org.delivery, certificate=certificate)

    assert invalid.value.field == "certificate"
    assert fresh(unit).state == UnitState.SHIPPED
    assert not RevenueEntry.objects.exists()


def test_an_acceptance_is_not_dated_in_the_future(org, unit):
    shipped(unit, org.delivery)

    with pytest.raises(InvalidInput) as invalid:
        accepted(unit, org.delivery, on=TODAY + timedelta(days=1))

    assert invalid.value.field == "date"
    assert fresh(unit).state == UnitState.SHIPPED
    assert not RevenueEntry.objects.exists()


def test_an_acceptance_is_not_dated_before_the_shipment(org, unit):
    shipped(unit, org.delivery, on=TODAY - timedelta(days=5))

    with pytest.raises(TransitionRefused) as refused:
        accepted(unit, org.delivery, on=TODAY - timedelta(days=6))

    assert missing_codes(refused.value) == {f"date_{unit.pk}"}
    assert fresh(unit).state == UnitState.SHIPPED
    assert accepted(unit, org.delivery, on=TODAY - timedelta(days=5)).state == UnitState.ACCEPTED


def test_a_planned_unit_cannot_be_accepted(org, unit):
    with pytest.raises(TransitionRefused) as refused:
        accepted(unit, org.delivery)

    assert missing_codes(refused.value) == {f"unit_{unit.pk}"}
    assert fresh(unit).state == UnitState.PLANNED
    assert not RevenueEntry.objects.exists()


# Revenue ---------------------------------------------------------------------------------------
def test_shipping_recognises_no_revenue(org, placed):
    for unit in units_of(placed):
        shipped(unit, org.delivery)

    assert not RevenueEntry.objects.exists()
    assert set(DeliveryUnit.objects.values_list("state", flat=True)) == {UnitState.SHIPPED}


def test_acceptance_recognises_the_units_amount(org, contract, placed):
    unit = units_of(placed)[1]
    shipped(unit, org.delivery)

    accepted(unit, org.delivery, certificate="AC-9")

    (entry,) = RevenueEntry.objects.all()
    assert (entry.kind, entry.amount, entry.currency) == (
        RevenueEntry.Kind.RECOGNITION,
        Decimal("2000.50"),
        contract.currency,
    )
    assert (entry.unit, entry.order, entry.contract, entry.customer) == (
        unit,
        placed,
        contract,
        contract.customer,
    )
    assert (entry.recognised_on, entry.period, entry.created_by) == (
        TODAY,
        date(2030, 5, 1),
        org.delivery,
    )


@pytest.mark.parametrize(
    ("accepted_on", "period"),
    [
        (date(2030, 3, 31), date(2030, 3, 1)),
        (date(2030, 4, 1), date(2030, 4, 1)),
    ],
)
def test_revenue_falls_in_the_month_of_the_acceptance_date_even_when_recorded_later(
    org, unit, accepted_on, period
):
    shipped(unit, org.delivery, on=date(2030, 3, 30))

    accepted(unit, org.delivery, on=accepted_on)  # recorded on 6 May

    (entry,) = RevenueEntry.objects.all()
    assert (entry.recognised_on, entry.period) == (accepted_on, period)
    assert entry.created_at == NOW
    assert list(RevenueEntry.objects.filter(period=date(2030, 5, 1))) == []


def test_an_acceptance_late_on_the_last_evening_of_march_is_march_revenue(org, unit, frozen):
    frozen.move_to(timezone.make_aware(datetime(2030, 3, 31, 23, 30)))  # 15:30 UTC
    shipped(unit, org.delivery)

    accepted(unit, org.delivery)

    (entry,) = RevenueEntry.objects.all()
    assert (entry.recognised_on, entry.period) == (date(2030, 3, 31), date(2030, 3, 1))


def test_one_certificate_accepts_several_units_at_once(org, placed):
    units = units_of(placed)
    for unit in units:
        shipped(unit, org.delivery)

    services.accept_units(units=units, by=org.delivery, certificate="AC-ALL")

    assert [(u.state, u.certificate) for u in map(fresh, units)] == [
        (UnitState.ACCEPTED, "AC-ALL")
    ] * 3
    assert [revenue_of(u) for u in units] == [Decimal(a) for a in AMOUNTS]
    assert fresh(placed).state == OrderState.DELIVERED


def test_a_bulk_acceptance_is_all_or_none(org, placed):
    first, second, third = units_of(placed)
    shipped(first, org.delivery)
    shipped(third, org.delivery)

    with pytest.raises(TransitionRefused) as refused:
        services.accept_units(units=[first, second, third], by=org.delivery, certificate="AC-ALL")

    assert missing_codes(refused.value) == {f"unit_{second.pk}"}
    assert [fresh(u).state for u in (first, second, third)] == [
        UnitState.SHIPPED,
        UnitState.PLANNED,
        UnitState.SHIPPED,
    ]
    assert not RevenueEntry.objects.exists()
    assert fresh(placed).state == OrderState.DELIVERING


def test_a_bulk_acceptance_needs_units(org):
    with pytest.raises(InvalidInput) as invalid:
        services.accept_units(units=[], by=org.delivery, certificate="AC-1")

    assert invalid.value.field == "units"


# Who ships and accepts -------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["delivery", "manager", "admin"])
def test_the_fr_or_a_manager_above_the_deal_ships_and_accepts(org, unit, who):
    shipped(unit, org.user(who))
    accepted(unit, org.user(who))

    assert fresh(unit).state == UnitState.ACCEPTED
    assert RevenueEntry.objects.get().created_by == org.user(who)


@pytest.mark.parametrize("who", ["rep1", "solution", "rep2", "rep3", "finance", "marketing"])
def test_nobody_else_ships_or_accepts(org, placed, who):
    planned, ready = units_of(placed)[:2]
    shipped(ready, org.delivery)

    with pytest.raises(NotAllowed):
        shipped(planned, org.user(who))
    with pytest.raises(NotAllowed):
        accepted(ready, org.user(who))

    assert (fresh(planned).state, fresh(ready).state) == (UnitState.PLANNED, UnitState.SHIPPED)
    assert not RevenueEntry.objects.exists()


# Corrections -----------------------------------------------------------------------------------
def test_a_managers_correction_reverses_the_revenue_in_the_current_month(org, placed, unit):
    shipped(unit, org.delivery, on=date(2030, 3, 20))
    accepted(unit, org.delivery, on=date(2030, 3, 31), certificate="AC-3")
    assert fresh(placed).state == OrderState.DELIVERING

    corrected = services.correct_acceptance(
        unit=unit, by=org.manager, reason="The certificate was for another site"
    )

    corrected = fresh(corrected)
    assert (corrected.state, corrected.accepted_on, corrected.certificate) == (
        UnitState.SHIPPED,
        None,
        "",
    )
    assert corrected.shipped_on == date(2030, 3, 20)
    recognition, reversal = RevenueEntry.objects.order_by("pk")
    assert (recognition.amount, recognition.period) == (Decimal("1000.00"), date(2030, 3, 1))
    assert (reversal.kind, reversal.amount, reversal.recognised_on, reversal.period) == (
        RevenueEntry.Kind.REVERSAL,
        Decimal("-1000.00"),
        TODAY,
        date(2030, 5, 1),
    )
    assert (reversal.created_by, reversal.note) == (
        org.manager,
        "The certificate was for another site",
    )
    assert revenue_of(unit) == Decimal("0")
    (kept,) = UnitCorrection.objects.all()
    assert (kept.unit, kept.by, kept.at, kept.previous_accepted_on, kept.previous_certificate) == (
        unit,
        org.manager,
        NOW,
        date(2030, 3, 31),
        "AC-3",
    )


def test_a_corrected_unit_is_accepted_again_with_new_revenue(org, unit):
    shipped(unit, org.delivery)
    accepted(unit, org.delivery)
    services.correct_acceptance(unit=unit, by=org.manager, reason="Wrong certificate")

    accepted(unit, org.delivery, certificate="AC-NEW")

    assert fresh(unit).state == UnitState.ACCEPTED
    assert revenue_of(unit) == Decimal("1000.00")
    assert RevenueEntry.objects.count() == 3


@pytest.mark.parametrize("who", ["delivery", "rep1", "solution", "finance", "rep3"])
def test_only_a_manager_corrects_an_acceptance(org, unit, who):
    shipped(unit, org.delivery)
    accepted(unit, org.delivery)

    with pytest.raises(NotAllowed):
        services.correct_acceptance(unit=unit, by=org.user(who), reason="Wrong certificate")

    assert fresh(unit).state == UnitState.ACCEPTED
    assert not UnitCorrection.objects.exists()
    assert RevenueEntry.objects.count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_correction_needs_a_reason(org, unit, reason):
    shipped(unit, org.delivery)
    accepted(unit, org.delivery)

    with pytest.raises(InvalidInput) as invalid:
        services.correct_acceptance(unit=unit, by=org.manager, reason=reason)

    assert invalid.value.field == "reason"
    assert fresh(unit).state == UnitState.ACCEPTED
    assert not UnitCorrection.objects.exists()


def test_only_an_accepted_unit_is_corrected(org, unit):
    shipped(unit, org.delivery)

    with pytest.raises(TransitionRefused) as refused:
        services.correct_acceptance(unit=unit, by=org.manager, reason="Wrong certificate")

    assert missing_codes(refused.value) == {"state"}
    assert not RevenueEntry.objects.exists()
    assert not UnitCorrection.objects.exists()


# The order follows its units -------------------------------------------------------------------
ALLOWED = {
    "ship": UnitState.PLANNED,
    "accept": UnitState.SHIPPED,
    "correct": UnitState.ACCEPTED,
}
AFTER = {"ship": UnitState.SHIPPED, "accept": UnitState.ACCEPTED, "correct": UnitState.SHIPPED}
NEXT = {UnitState.PLANNED: "ship", UnitState.SHIPPED: "accept", UnitState.ACCEPTED: "correct"}
# "forward" is whatever moves that unit on (so whole orders get delivered and corrected often);
# the others are tried as they come, refused when the unit is not in the state they start from.
steps = st.lists(
    st.tuples(
        st.sampled_from(["forward", "forward", "forward", "ship", "accept", "correct"]),
        st.integers(min_value=0, max_value=2),
    ),
    min_size=1,
    max_size=16,
)


def expected_order_state(states: list[str]) -> str:
    if all(s == UnitState.ACCEPTED for s in states):
        return OrderState.DELIVERED
    if all(s == UnitState.PLANNED for s in states):
        return OrderState.OPEN
    return OrderState.DELIVERING


def apply(step: str, unit, by):
    if step == "ship":
        services.ship_unit(unit=unit, by=by)
    elif step == "accept":
        services.accept_unit(unit=unit, by=by, certificate="AC-P")
    else:
        services.correct_acceptance(unit=unit, by=by, reason="Property check")


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=steps)
@example(steps=[(op, i) for op in ("ship", "accept") for i in range(3)] + [("correct", 1)])
def test_the_order_state_and_the_revenue_always_agree_with_the_units(org, contract, steps):
    with transaction.atomic():
        placed = order(contract, org.delivery, number="PO-P", amounts=AMOUNTS)
        units = units_of(placed)
        model = [UnitState.PLANNED] * len(units)
        for op, index in steps:
            step = NEXT[model[index]] if op == "forward" else op
            try:
                apply(step, units[index], org.manager)
            except TransitionRefused:
                assert model[index] != ALLOWED[step]
            else:
                assert model[index] == ALLOWED[step]
                model[index] = AFTER[step]

            assert [fresh(u).state for u in units] == model
            assert fresh(placed).state == expected_order_state(model)
            for unit, state in zip(units, model, strict=True):
                assert revenue_of(unit) == (unit.amount if state == UnitState.ACCEPTED else 0)
            shipped_value = DeliveryUnit.objects.filter(
                order=placed, state=UnitState.SHIPPED
            ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
            assert shipped_value == sum(
                (u.amount for u, s in zip(units, model, strict=True) if s == UnitState.SHIPPED),
                Decimal("0"),
            )
        transaction.set_rollback(True)
