"""Orders (POs) under a contract: only once it is signed, numbered uniquely per contract, with
units that add up to the order, and never more in total than the contract's current amount."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import services as contracts
from contracts.models import ContractState
from delivery import services
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.core.errors import InvalidInput, TransitionRefused

from ..contracts.steps import ON_ACCEPTANCE, approved, draft, executing, submit
from ..profiles import examples
from .steps import AMOUNT, TODAY, fresh, missing_codes, order, units_of


# Placing an order ------------------------------------------------------------------------------
def test_an_order_on_a_signed_contract_is_open_with_planned_units(org, contract):
    placed = order(contract, org.delivery, number=" PO-7 ", amounts=("1000.50", "2000"))

    placed = fresh(placed)
    assert (placed.number, placed.amount, placed.state, placed.order_date) == (
        "PO-7",
        Decimal("3000.50"),
        OrderState.OPEN,
        TODAY,
    )
    assert (placed.currency, placed.created_by) == (contract.currency, org.delivery)
    assert [(u.name, u.amount, u.state) for u in units_of(placed)] == [
        ("Site 1", Decimal("1000.50"), UnitState.PLANNED),
        ("Site 2", Decimal("2000.00"), UnitState.PLANNED),
    ]
    assert services.remaining_amount(fresh(contract)) == AMOUNT - Decimal("3000.50")


def test_an_executing_contract_takes_orders_too(org, deal):
    contract = executing(deal, org)

    assert order(contract, org.rep1).state == OrderState.OPEN


@pytest.mark.parametrize("stage", ["draft", "in_review", "approved"])
def test_a_contract_not_yet_signed_takes_no_order(org, deal, stage):
    if stage == "draft":
        contract = draft(deal, org.rep1)
    elif stage == "in_review":
        contract = submit(draft(deal, org.rep1), org)
    else:
        contract = approved(deal, org)
    assert contract.state == stage

    with pytest.raises(TransitionRefused) as refused:
        order(contract, org.delivery)

    assert missing_codes(refused.value) == {"contract_signed"}
    assert not Order.objects.exists()
    assert not DeliveryUnit.objects.exists()


def test_a_po_number_is_unique_within_its_contract(org, contract):
    order(contract, org.delivery, number="PO-1")

    with pytest.raises(InvalidInput) as invalid:
        order(contract, org.delivery, number="PO-1", amounts=("5",))

    assert invalid.value.field == "number"
    assert Order.objects.filter(contract=contract).count() == 1


def test_a_po_number_longer_than_the_field_is_refused_not_truncated(org, contract):
    with pytest.raises(InvalidInput) as invalid:
        order(contract, org.delivery, number="P" * 61)

    assert invalid.value.field == "number"
    assert not Order.objects.exists()


def test_the_same_po_number_on_another_contract_is_fine(org, contract):
    from ..contracts.steps import signed, signing_deal

    other_deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    other = signed(other_deal, org)
    order(contract, org.delivery, number="PO-1")

    second = order(other, org.delivery, number="PO-1")

    assert (second.contract, second.number) == (other, "PO-1")
    assert Order.objects.filter(number="PO-1").count() == 2


@pytest.mark.parametrize(
    ("amount", "units"),
    [
        ("3000", [{"name": "A", "amount": "1000"}, {"name": "B", "amount": "1999.99"}]),
        ("3000", [{"name": "A", "amount": "3000"}, {"name": "B", "amount": "0.01"}]),
        ("3000", []),
        ("3000", [{"name": "  ", "amount": "3000"}]),
        ("3000", [{"name": "A", "amount": "0"}, {"name": "B", "amount": "3000"}]),
        ("3000", [{"name": "A", "amount": "3000", "kind": "warehouse"}]),
    ],
)
def test_units_must_add_up_to_the_order_amount(org, contract, amount, units):
    with pytest.raises(InvalidInput) as invalid:
        services.create_order(
            contract=contract, by=org.delivery, number="PO-1", amount=amount, units=units
        )

    assert invalid.value.field == "units"
    assert not Order.objects.exists()


# The contract amount bounds its orders ---------------------------------------------------------
def test_an_order_may_take_exactly_what_is_left(org, contract):
    order(contract, org.delivery, number="PO-1", amounts=("200000",))

    last = order(contract, org.delivery, number="PO-2", amounts=("100000",))

    assert last.amount == Decimal("100000.00")
    assert services.remaining_amount(fresh(contract)) == Decimal("0")


def test_an_order_above_what_is_left_is_refused_with_the_remaining_amount(org, contract):
    order(contract, org.delivery, number="PO-1", amounts=("200000",))

    with pytest.raises(TransitionRefused) as refused:
        order(contract, org.delivery, number="PO-2", amounts=("100000.01",))

    (missing,) = refused.value.missing
    assert missing.code == "remaining_amount"
    assert "100000.00" in str(missing.label)
    assert Order.objects.filter(contract=contract).count() == 1


order_amounts = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("150000"), places=2),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(amounts=order_amounts)
def test_no_sequence_of_orders_adds_up_to_more_than_the_contract(org, contract, amounts):
    with transaction.atomic():
        placed = Decimal("0")
        for index, amount in enumerate(amounts):
            remaining = AMOUNT - placed
            try:
                order(contract, org.delivery, number=f"PO-{index}", amounts=(str(amount),))
            except TransitionRefused as refused:
                assert amount > remaining
                (missing,) = refused.missing
                assert missing.code == "remaining_amount"
                assert f"{remaining:.2f} " in str(missing.label)
            else:
                assert amount <= remaining
                placed += amount
            assert services.ordered_total(contract) == placed <= AMOUNT
            assert services.remaining_amount(contract) == AMOUNT - placed
        transaction.set_rollback(True)


# Changes and closing ---------------------------------------------------------------------------
def applied_change(contract, org, delta):
    change = contracts.request_change(
        contract=contract, by=org.rep1, description="Scope change", amount_delta=delta
    )
    contracts.assess_change(change=change, by=org.delivery, fr_assessment="Doable")
    contracts.assess_change(change=change, by=org.solution, sr_assessment="Same design")
    change = contracts.decide_change(change=change, by=org.manager, approve=True)
    return contracts.apply_change(change=change, by=org.rep1)


def test_after_a_change_raising_the_amount_more_can_be_ordered(org, contract):
    order(contract, org.delivery, number="PO-1", amounts=("300000",))
    with pytest.raises(TransitionRefused):
        order(contract, org.delivery, number="PO-2", amounts=("50000",))

    contract = applied_change(contract, org, Decimal("50000"))

    assert contract.amount == Decimal("350000.00")
    assert order(contract, org.delivery, number="PO-2", amounts=("50000",)).amount == Decimal(
        "50000.00"
    )
    assert services.remaining_amount(fresh(contract)) == Decimal("0")


def test_a_change_lowering_the_amount_below_the_orders_cannot_be_applied(org, contract):
    order(contract, org.delivery, number="PO-1", amounts=("250000",))

    with pytest.raises(TransitionRefused) as refused:
        applied_change(contract, org, Decimal("-50000.01"))

    assert missing_codes(refused.value) == {"orders_exceed_amount"}
    assert fresh(contract).amount == AMOUNT


def test_a_change_lowering_the_amount_to_exactly_the_orders_is_applied(org, contract):
    order(contract, org.delivery, number="PO-1", amounts=("250000",))

    contract = applied_change(contract, org, Decimal("-50000"))

    assert contract.amount == Decimal("250000.00")
    assert services.remaining_amount(contract) == Decimal("0")


def evaluate(contract, by):
    return contracts.record_evaluation(
        contract=contract,
        by=by,
        profitability="as_planned",
        schedule_kept=True,
        acceptance_smooth=True,
        lessons="Book the acceptance meeting early.",
        score=4,
    )


def deliver(placed, org):
    for unit in units_of(placed):
        services.ship_unit(unit=unit, by=org.delivery)
    services.accept_units(units=units_of(placed), by=org.delivery, certificate="AC-1")


def test_a_contract_with_an_undelivered_order_cannot_close(org, deal):
    contract = executing(deal, org)
    done = order(contract, org.delivery, number="PO-1")
    pending = order(contract, org.delivery, number="PO-2")
    deliver(done, org)
    services.ship_unit(unit=units_of(pending)[0], by=org.delivery)
    evaluate(contract, org.delivery)

    # (billing adds its own check: the orders are also invoiced and paid)
    assert [m.code for m in contracts.close_missing(contract)] == [
        "orders_delivered",
        "orders_paid",
        "contract_invoiced",
    ]
    with pytest.raises(TransitionRefused) as refused:
        contracts.close_contract(contract=contract, by=org.rep1)

    assert missing_codes(refused.value) == {"orders_delivered", "orders_paid", "contract_invoiced"}
    assert fresh(contract).state == ContractState.EXECUTING


def test_a_contract_closes_once_every_order_is_delivered_and_it_is_evaluated(org, deal):
    # its two orders are the whole contract, invoiced as they are accepted
    contract = executing(deal, org, amount=Decimal("6000.00"), payment_terms=ON_ACCEPTANCE)
    orders = [order(contract, org.delivery, number=f"PO-{i}") for i in (1, 2)]
    for placed in orders:
        deliver(placed, org)
    assert [fresh(o).state for o in orders] == [OrderState.DELIVERED] * 2
    assert [m.code for m in contracts.close_missing(contract)] == [
        "orders_paid",
        "contract_invoiced",
    ]
    _invoice_and_collect(orders, org)
    assert contracts.close_missing(contract) == []

    with pytest.raises(TransitionRefused) as refused:
        contracts.close_contract(contract=contract, by=org.rep1)
    assert missing_codes(refused.value) == {"evaluation"}

    evaluate(contract, org.delivery)
    closed = contracts.close_contract(contract=contract, by=org.rep1)

    assert closed.state == ContractState.CLOSED


def _invoice_and_collect(orders, org) -> None:
    """Billing's part of closing: every order invoiced (at its acceptance share of the payment
    terms) and paid."""
    from billing import invoiceable
    from billing import services as billing

    for placed in orders:
        placed = fresh(placed)
        owed = invoiceable.for_order(placed).invoiceable
        invoice = billing.create_invoice(by=org.finance, order=placed, amount=owed)
        invoice = billing.issue_invoice(invoice=invoice, by=org.finance)
        billing.record_payment(
            by=org.finance,
            customer=invoice.customer,
            amount=invoice.amount,
            currency=invoice.currency,
            reference=f"PAY-{placed.number}",
            allocations=[{"invoice": invoice.pk, "amount": invoice.amount}],
        )
    assert [fresh(o).state for o in orders] == [OrderState.CLOSED] * len(orders)
