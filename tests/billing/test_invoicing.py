"""The mechanics of invoicing: an order up to what acceptance has made due and is not invoiced
yet, drafts holding their amount, numbered without gaps at issue, voided only by a credit note
that frees exactly what it held, the order's states following its invoices.

Here the contract invoices 100% on acceptance (the ``terms`` fixture below); how the payment
terms split what is invoiced (the advance, the acceptance share, the dated milestones) is
tests/billing/test_payment_terms.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from billing import invoiceable, services
from billing.models import CreditNote, Invoice, InvoiceState
from delivery import services as delivery
from delivery.models import Order, OrderState
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused

from ..contracts.steps import draft
from ..profiles import examples
from .steps import (
    ON_ACCEPTANCE,
    TODAY,
    accepted_order,
    fresh,
    invoice,
    invoiceable_on_order,
    invoiced_on_order,
    issued,
    missing_codes,
    pay,
    units_of,
)

D = Decimal


@pytest.fixture
def terms():
    """The contract invoices 100% on acceptance: these tests are about the mechanics."""
    return ON_ACCEPTANCE


@pytest.fixture
def half_accepted(org, contract):
    """PO-1: units of 1,000 (accepted) and 2,000 (planned)."""
    return accepted_order(contract, org, accept=1)


# The cap on an order -----------------------------------------------------------------------------
def test_an_order_is_invoiced_up_to_its_accepted_value(org, half_accepted):
    first = invoice(org.finance, "600", order=half_accepted)
    second = invoice(org.finance, "400", order=half_accepted)

    assert (first.state, first.number, first.amount, first.currency) == (
        "draft",
        "",
        D("600"),
        "CNY",
    )
    assert first.customer_id == half_accepted.contract.customer_id
    assert second.lines.get().amount == D("400")
    assert invoiceable_on_order(half_accepted) == 0


def test_an_invoice_above_the_accepted_value_is_refused_with_the_invoiceable_amount(
    org, half_accepted
):
    invoice(org.finance, "250", order=half_accepted)

    with pytest.raises(services.AboveInvoiceable) as refused:
        invoice(org.finance, "750.01", order=half_accepted)

    # what acceptance has made due, and the 2,000 not accepted yet
    assert missing_codes(refused.value) == {"accepted_value", "not_accepted"}
    assert refused.value.invoiceable == D("750.00")
    assert refused.value.as_dict()["invoiceable"] == "750.00"
    assert Invoice.objects.count() == 1


def test_nothing_is_invoiceable_on_an_order_before_acceptance(org, contract):
    shipped = accepted_order(contract, org, accept=0)
    unit = units_of(shipped)[0]
    delivery.ship_unit(unit=unit, by=org.delivery)

    with pytest.raises(services.AboveInvoiceable) as refused:
        invoice(org.finance, "0.01", order=shipped)
    assert (missing_codes(refused.value), refused.value.invoiceable) == (
        {"accepted_value", "not_accepted"},
        0,
    )


def test_a_cancelled_draft_frees_what_it_held(org, half_accepted):
    held = invoice(org.finance, "1000", order=half_accepted)
    with pytest.raises(services.AboveInvoiceable):
        invoice(org.finance, "1", order=half_accepted)

    services.cancel_draft(invoice=held, by=org.finance, reason="Wrong amount")

    assert fresh(held).state == InvoiceState.CANCELLED
    assert invoiceable_on_order(half_accepted) == D("1000")
    invoice(org.finance, "1000", order=half_accepted)


def test_only_signed_or_executing_contracts_are_invoiced(org):
    from ..contracts.steps import signing_deal

    other = draft(signing_deal(org.rep2), org.rep2)
    with pytest.raises(TransitionRefused) as refused:
        invoice(org.finance, "10", contract=other)
    assert missing_codes(refused.value) == {"contract_active"}


def test_only_billing_roles_invoice(org, half_accepted):
    for user in (org.rep1, org.manager, org.delivery):
        with pytest.raises(NotAllowed):
            invoice(user, "10", order=half_accepted)
    invoice(org.integration, "10", order=half_accepted)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "10", "tax_rate": "101"}, "tax_rate"),
        ({"amount": "10", "lines": [{"description": "A", "amount": "9"}]}, "lines"),
        ({"amount": "10", "lines": [{"description": "", "amount": "10"}]}, "lines"),
        ({"amount": "10", "payment_days": 400}, "payment_days"),
    ],
)
def test_bad_invoice_input_names_the_field(org, half_accepted, fields, field):
    amount = fields.pop("amount")
    with pytest.raises(InvalidInput) as invalid:
        services.create_invoice(by=org.finance, amount=amount, order=half_accepted, **fields)
    assert invalid.value.field == field
    assert not Invoice.objects.exists()


def test_an_invoice_names_an_order_or_a_contract(org, contract, half_accepted):
    with pytest.raises(InvalidInput):
        services.create_invoice(by=org.finance, amount="1")
    with pytest.raises(InvalidInput):
        services.create_invoice(by=org.finance, amount="1", order=half_accepted, contract=contract)


def test_lines_add_up_to_the_amount_and_split_net_and_tax(org, half_accepted):
    lines = [
        {"description": "Site 1", "amount": "800"},
        {"description": "Freight", "amount": "330"},
    ]
    accepted = accepted_order(half_accepted.contract, org, number="PO-2", amounts=("1130",))

    made = services.create_invoice(
        by=org.finance, amount="1130", order=accepted, tax_rate="13", lines=lines
    )

    assert [(line.description, line.amount) for line in made.lines.all()] == [
        ("Site 1", D("800")),
        ("Freight", D("330")),
    ]
    assert (made.net_amount, made.tax_amount) == (D("1000.00"), D("130.00"))


# Issuing ------------------------------------------------------------------------------------------
def test_issuing_numbers_invoices_without_gaps_per_year(org, contract, frozen):
    accepted = accepted_order(contract, org, amounts=("1000", "1000", "1000"))
    first = issued(org.finance, "1000", order=accepted)
    draft_only = invoice(org.finance, "1000", order=accepted)
    second = services.issue_invoice(
        invoice=invoice(org.finance, "500", order=accepted), by=org.finance
    )

    assert (first.number, second.number, fresh(draft_only).number) == (
        "INV2030-00001",
        "INV2030-00002",
        "",
    )
    frozen.move_to(date(2031, 1, 2))
    third = services.issue_invoice(invoice=draft_only, by=org.finance)
    assert (third.number, third.year) == ("INV2031-00001", 2031)


def test_the_due_date_follows_the_payment_terms(org, half_accepted, milestones):
    on_order = issued(org.finance, "1000", order=half_accepted)
    advance = issued(org.finance, "80000", contract=milestones)
    agreed = services.issue_invoice(
        invoice=services.create_invoice(
            by=org.finance, amount="10", contract=milestones, payment_days=5
        ),
        by=org.finance,
        on=TODAY - timedelta(days=2),
    )

    assert (on_order.issued_on, on_order.due_date) == (TODAY, TODAY + timedelta(days=30))
    assert advance.due_date == TODAY + timedelta(days=30)
    assert (agreed.issued_on, agreed.due_date) == (TODAY - timedelta(days=2), TODAY + timedelta(3))


def test_an_issued_invoice_is_not_issued_again_nor_cancelled(org, half_accepted):
    done = issued(org.finance, "1000", order=half_accepted)
    with pytest.raises(TransitionRefused) as again:
        services.issue_invoice(invoice=done, by=org.finance)
    with pytest.raises(TransitionRefused) as cancel:
        services.cancel_draft(invoice=done, by=org.finance)
    assert missing_codes(again.value) == missing_codes(cancel.value) == {"state"}
    assert fresh(done).number == "INV2030-00001"


def test_an_invoiced_acceptance_is_corrected_only_once_its_invoices_are_freed(org, half_accepted):
    held = invoice(org.finance, "600", order=half_accepted)
    unit = units_of(half_accepted)[0]

    with pytest.raises(TransitionRefused) as refused:
        delivery.correct_acceptance(unit=unit, by=org.manager, reason="Certificate unsigned")
    assert missing_codes(refused.value) == {"invoices_covered"}
    assert fresh(unit).state == "accepted"

    services.cancel_draft(invoice=held, by=org.finance)
    delivery.correct_acceptance(unit=unit, by=org.manager, reason="Certificate unsigned")
    assert invoiceable_on_order(half_accepted) == 0


def test_an_issue_date_is_not_in_the_future(org, half_accepted):
    with pytest.raises(InvalidInput) as invalid:
        services.issue_invoice(
            invoice=invoice(org.finance, "1", order=half_accepted),
            by=org.finance,
            on=TODAY + timedelta(days=1),
        )
    assert invalid.value.field == "date"


# Order states ------------------------------------------------------------------------------------
def test_a_delivered_order_is_invoiced_when_covered_and_closed_when_paid(org, contract):
    whole = accepted_order(contract, org)
    assert whole.state == OrderState.DELIVERED
    first = issued(org.finance, "1000", order=whole)
    assert fresh(whole).state == OrderState.DELIVERED
    second = issued(org.finance, "2000", order=whole)
    assert fresh(whole).state == OrderState.INVOICED

    pay(org.finance, first, "1000")
    assert fresh(whole).state == OrderState.INVOICED
    pay(org.finance, second, "2000")
    assert fresh(whole).state == OrderState.CLOSED


def test_voiding_an_invoice_takes_the_order_back_to_delivered(org, contract):
    whole = accepted_order(contract, org)
    done = issued(org.finance, "3000", order=whole)
    assert fresh(whole).state == OrderState.INVOICED

    services.void_invoice(invoice=done, by=org.finance, reason="Wrong customer entity")
    assert fresh(whole).state == OrderState.DELIVERED


# Voiding with a credit note ----------------------------------------------------------------------
def test_a_credit_note_restores_exactly_what_the_invoice_held(org, half_accepted, milestones):
    before = invoiceable_on_order(half_accepted)
    done = issued(org.finance, "700.55", order=half_accepted)
    advance = issued(org.finance, "90000", contract=milestones)

    note = services.void_invoice(invoice=done, by=org.finance, reason="Wrong tax rate")
    services.void_invoice(invoice=advance, by=org.finance, reason="Wrong entity")

    assert (note.number, note.amount, note.currency, note.customer_id) == (
        "CN2030-00001",
        D("700.55"),
        "CNY",
        done.customer_id,
    )
    assert fresh(done).state == InvoiceState.VOID
    assert invoiceable_on_order(half_accepted) == before == D("1000")
    assert invoiceable.for_contract(milestones).invoiceable == D("90000")
    assert CreditNote.objects.get(invoice=advance).number == "CN2030-00002"


def test_a_draft_is_not_voided_and_a_reason_is_needed(org, half_accepted):
    held = invoice(org.finance, "10", order=half_accepted)
    with pytest.raises(TransitionRefused) as refused:
        services.void_invoice(invoice=held, by=org.finance, reason="No")
    assert missing_codes(refused.value) == {"state"}
    with pytest.raises(InvalidInput):
        services.void_invoice(invoice=held, by=org.finance, reason=" ")


def test_an_invoice_with_allocations_is_voided_only_after_they_are_released(org, half_accepted):
    done = issued(org.finance, "1000", order=half_accepted)
    payment = pay(org.finance, done, "400")

    with pytest.raises(TransitionRefused) as refused:
        services.void_invoice(invoice=done, by=org.finance, reason="Wrong amount")
    assert missing_codes(refused.value) == {"allocations_released", "state"}

    services.release_allocation(
        allocation=payment.allocations.get(), by=org.finance, reason="Void first"
    )
    services.void_invoice(invoice=done, by=org.finance, reason="Wrong amount")
    assert fresh(payment).unapplied == D("400")
    assert fresh(done).state == InvoiceState.VOID


def test_contract_close_needs_its_orders_invoiced_and_paid(org, contract):
    from contracts import services as contract_services

    invoice(org.finance, "10", order=accepted_order(contract, org))
    missing = {m.code for m in contract_services.close_missing(contract)}
    assert {"orders_paid", "invoices_paid"} <= missing


# Invoicing never runs ahead of acceptance (property) ---------------------------------------------
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["accept", "invoice", "issue", "void", "cancel", "correct"]),
        st.integers(min_value=0, max_value=3),
        st.sampled_from([D("0.01"), D("500"), D("999.99"), D("1000"), D("2500")]),
    ),
    max_size=12,
)


@settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS)
@example(actions=[("accept", 0, D("1")), ("invoice", 0, D("1000")), ("correct", 0, D("1"))])
@example(
    actions=[("accept", 1, D("1")), ("invoice", 0, D("500")), ("issue", 0, D("1"))]
    + [("void", 0, D("1")), ("correct", 1, D("1")), ("invoice", 0, D("0.01"))]
)
def test_invoices_never_run_ahead_of_acceptance(org, contract, actions):
    with transaction.atomic():
        placed = accepted_order(contract, org, number="PO-H", amounts=("1000",) * 4, accept=0)
        units = units_of(placed)
        for unit in units:
            delivery.ship_unit(unit=unit, by=org.delivery)
        for action, index, amount in actions:
            unit = units[index]
            drafts = list(Invoice.objects.filter(order=placed, state="draft").order_by("pk"))
            issued_ones = list(Invoice.objects.filter(order=placed, state="issued").order_by("pk"))
            done = False
            try:
                if action == "accept":
                    delivery.accept_unit(unit=unit, by=org.delivery, certificate="AC")
                elif action == "correct":
                    delivery.correct_acceptance(unit=unit, by=org.manager, reason="Redo")
                elif action == "invoice":
                    done = bool(invoice(org.finance, amount, order=placed))
                elif action == "issue" and drafts:
                    services.issue_invoice(invoice=drafts[index % len(drafts)], by=org.finance)
                    done = True
                elif action == "void" and issued_ones:
                    services.void_invoice(
                        invoice=issued_ones[index % len(issued_ones)], by=org.finance, reason="X"
                    )
                elif action == "cancel" and drafts:
                    services.cancel_draft(invoice=drafts[index % len(drafts)], by=org.finance)
            except TransitionRefused:
                pass
            placed = fresh(placed)
            accepted = invoiceable.accepted_value(placed)
            live = invoiced_on_order(placed)
            assert live <= accepted, (action, done)  # never, whatever the sequence
            assert invoiceable_on_order(placed) == accepted - live
            assert placed.invoiceable == accepted - live  # kept on the order, same transaction
        transaction.set_rollback(True)


def test_the_queue_picks_the_same_orders_as_the_invoiceable_rule(org, contract):
    """The work queue picks its orders by what is kept on them; they must be the orders (and the
    order) the rule gives: invoiceable > 0, largest first, then the newest, within the limit, and
    only what the user may see."""
    fully = accepted_order(contract, org, number="PO-1", amounts=("1000", "2000"))
    issued(org.finance, "3000", order=fully)  # nothing left on it
    partly = accepted_order(contract, org, number="PO-2", amounts=("5000", "700"), accept=1)
    issued(org.finance, "1000", order=partly)  # 4,000 left
    accepted_order(contract, org, number="PO-3", amounts=("4000",))  # 4,000, a later id
    accepted_order(contract, org, number="PO-4", amounts=("9000",), accept=0)  # none accepted
    biggest = accepted_order(contract, org, number="PO-5", amounts=("20000", "6000"))

    def by_rule(user, limit):
        visible = Order.objects.visible_to(user)
        owed = {o.pk: invoiceable.for_order(o).invoiceable for o in visible}
        newest = {o.pk: (o.order_date, o.pk) for o in visible}
        ranked = sorted(
            (pk for pk in owed if owed[pk] > 0),
            key=lambda pk: (-owed[pk], -newest[pk][0].toordinal(), -pk),
        )
        return ranked[:limit]

    def top(user, limit):
        return [order.pk for order in invoiceable.top_orders(user, limit)]

    for user in (org.finance, org.rep1, org.rep3):
        for limit in (1, 2, 500):
            assert top(user, limit) == by_rule(user, limit)
    assert top(org.finance, 2)[0] == biggest.pk
    assert len(top(org.finance, 500)) == 3
    assert top(org.rep3, 500) == []
