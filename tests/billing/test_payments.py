"""Payments are allocated to invoices, never above what an invoice owes; the rest stays as the
customer's unapplied credit and is allocated later; one bank reference per customer."""

from datetime import timedelta
from decimal import Decimal

import pytest

from billing import selectors, services
from billing.models import Allocation, InvoiceState, Payment
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused

from ..factories import CustomerFactory
from .steps import ON_ACCEPTANCE, TODAY, accepted_order, fresh, issued, missing_codes, pay

D = Decimal


@pytest.fixture
def terms():
    """The contract invoices 100% on acceptance: these tests are about payments."""
    return ON_ACCEPTANCE


@pytest.fixture
def owed(org, contract):
    """An issued invoice of 1,000 on an accepted order."""
    return issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))


@pytest.fixture
def advance(org, milestones):
    """The advance of the customer's second contract (30% of 300,000)."""
    return issued(org.finance, "90000", contract=milestones)


def test_a_payment_pays_an_invoice_partly_then_in_full(org, owed):
    first = pay(org.finance, owed, "400")
    assert (fresh(owed).state, fresh(owed).paid_amount, fresh(owed).outstanding) == (
        InvoiceState.PARTIALLY_PAID,
        D("400"),
        D("600"),
    )
    assert (first.allocated_amount, first.unapplied) == (D("400"), D("0"))

    pay(org.finance, owed, "600")
    paid = fresh(owed)
    assert (paid.state, paid.paid_on, paid.cash_days) == (InvoiceState.PAID, TODAY, 0)


def test_what_is_not_allocated_stays_as_unapplied_credit(org, owed, advance):
    payment = pay(org.finance, owed, "1000", total="5000")

    assert fresh(payment).unapplied == D("4000")
    credit = list(selectors.customer_credit(Payment.objects.all()))
    assert [(row["customer"], row["currency"], row["unapplied"]) for row in credit] == [
        (owed.customer_id, "CNY", D("4000"))
    ]

    services.allocate_payment(
        payment=payment, by=org.finance, allocations=[{"invoice": advance.pk, "amount": "4000"}]
    )
    assert fresh(payment).unapplied == 0
    assert fresh(advance).paid_amount == D("4000")
    assert not selectors.customer_credit(Payment.objects.all()).exists()


def test_a_payment_with_no_allocation_is_all_credit(org, owed):
    payment = services.record_payment(
        by=org.finance,
        customer=owed.customer,
        amount="250",
        currency="CNY",
        reference="B-1",
        received_on=TODAY - timedelta(days=1),
    )
    assert (payment.received_on, payment.unapplied) == (TODAY - timedelta(days=1), D("250"))


def test_an_allocation_never_exceeds_the_invoice_outstanding_amount(org, owed):
    pay(org.finance, owed, "700")

    with pytest.raises(TransitionRefused) as refused:
        pay(org.finance, owed, "300.01")

    assert missing_codes(refused.value) == {f"outstanding_{owed.pk}"}
    assert Payment.objects.count() == 1
    assert fresh(owed).paid_amount == D("700")


def test_a_later_allocation_never_exceeds_the_unapplied_credit(org, owed, advance):
    payment = pay(org.finance, owed, "100", total="300")

    with pytest.raises(TransitionRefused) as refused:
        services.allocate_payment(
            payment=payment, by=org.finance, allocations=[{"invoice": advance.pk, "amount": "201"}]
        )
    assert missing_codes(refused.value) == {"unapplied"}


def test_every_reason_a_payment_cannot_be_allocated_is_listed(org, milestones, owed):
    other_customer = CustomerFactory(name="Another Co")
    draft = services.create_invoice(by=org.finance, amount="10", contract=milestones)

    with pytest.raises(TransitionRefused) as refused:
        services.record_payment(
            by=org.finance,
            customer=other_customer,
            amount="20",
            currency="USD",
            reference="B-9",
            allocations=[
                {"invoice": owed.pk, "amount": "10"},
                {"invoice": draft.pk, "amount": "5"},
            ],
        )
    assert missing_codes(refused.value) == {
        f"customer_{owed.pk}",
        f"currency_{owed.pk}",
        f"customer_{draft.pk}",
        f"currency_{draft.pk}",
        f"open_{draft.pk}",
    }
    assert not Payment.objects.exists()


def test_the_same_bank_reference_twice_for_a_customer_is_refused(org, owed):
    first = pay(org.finance, owed, "100", reference="ICBC-2030-0001")

    with pytest.raises(services.DuplicatePayment) as refused:
        pay(org.finance, owed, "100", reference="ICBC-2030-0001")

    assert missing_codes(refused.value) == {"reference_unique"}
    assert refused.value.as_dict()["payment"] == first.pk
    assert Payment.objects.count() == 1
    # Another customer may have the same reference in its bank.
    services.record_payment(
        by=org.finance,
        customer=CustomerFactory(name="Other"),
        amount="1",
        currency="CNY",
        reference="ICBC-2030-0001",
    )


def test_the_same_erp_id_twice_for_a_customer_is_refused(org, owed):
    services.record_payment(
        by=org.integration,
        customer=owed.customer,
        amount="1",
        currency="CNY",
        reference="R-1",
        external_id="ERP-77",
    )
    with pytest.raises(services.DuplicatePayment):
        services.record_payment(
            by=org.integration,
            customer=owed.customer,
            amount="1",
            currency="CNY",
            reference="R-2",
            external_id="ERP-77",
        )


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"amount": "-1"}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"reference": "  "}, "reference"),
        ({"reference": "R" * 101}, "reference"),
        ({"received_on": TODAY + timedelta(days=1)}, "date"),
        ({"allocations": [{"invoice": "x", "amount": "1"}]}, "allocations"),
        ({"allocations": [{"invoice": 10**6, "amount": "1"}]}, "allocations"),
    ],
)
def test_bad_payment_input_names_the_field(org, owed, fields, field):
    body = {"amount": "10", "currency": "CNY", "reference": "R-1", **fields}
    with pytest.raises(InvalidInput) as invalid:
        services.record_payment(by=org.finance, customer=owed.customer, **body)
    assert invalid.value.field == field
    assert not Payment.objects.exists()


def test_only_billing_roles_record_payments(org, owed):
    with pytest.raises(NotAllowed):
        pay(org.rep1, owed, "1")


def test_releasing_an_allocation_returns_the_credit_and_the_debt(org, advance):
    payment = pay(org.finance, advance, "90000")
    assert fresh(advance).state == InvoiceState.PAID
    allocation = payment.allocations.get()

    services.release_allocation(allocation=allocation, by=org.finance, reason="Wrong invoice")

    assert (fresh(advance).state, fresh(advance).paid_amount, fresh(advance).paid_on) == (
        InvoiceState.ISSUED,
        0,
        None,
    )
    assert fresh(payment).unapplied == D("90000")
    assert Allocation.objects.live().count() == 0
    with pytest.raises(TransitionRefused) as again:
        services.release_allocation(allocation=allocation, by=org.finance, reason="Again")
    assert missing_codes(again.value) == {"live"}


def test_a_closed_orders_payments_are_not_released(org, owed):
    payment = pay(org.finance, owed, "1000")
    with pytest.raises(TransitionRefused) as refused:
        services.release_allocation(
            allocation=payment.allocations.get(), by=org.finance, reason="No"
        )
    assert missing_codes(refused.value) == {"order_open"}


def test_a_released_part_leaves_a_paid_invoice_partly_paid(org, contract, advance):
    first = pay(org.finance, advance, "50000")
    pay(org.finance, advance, "40000")
    assert fresh(advance).state == InvoiceState.PAID

    services.release_allocation(
        allocation=first.allocations.get(), by=org.finance, reason="Bounced"
    )
    assert (fresh(advance).state, fresh(advance).paid_amount) == (
        InvoiceState.PARTIALLY_PAID,
        D("40000"),
    )


def test_order_to_cash_days_count_from_the_order_date(org, contract, frozen):
    owed_later = issued(
        org.finance, "1000", order=accepted_order(contract, org, number="PO-9", amounts=("1000",))
    )
    frozen.shift(timedelta(days=45))
    pay(org.finance, owed_later, "1000")
    assert fresh(owed_later).cash_days == 45
