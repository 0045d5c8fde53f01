"""The demo seed's billing: every situation of the finance pages has a record."""

from decimal import Decimal

import pytest

from billing import invoiceable, selectors
from billing.models import CreditNote, Invoice, InvoiceState, Payment
from contracts.models import Trigger
from delivery.models import Order, OrderState

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    """The demo is seeded relative to the real today."""
    yield None


def test_the_demo_has_paid_partly_paid_overdue_and_voided_invoices_and_unapplied_credit(demo):
    states = set(Invoice.objects.values_list("state", flat=True))
    assert {InvoiceState.PAID, InvoiceState.PARTIALLY_PAID, InvoiceState.VOID} <= states
    assert selectors.overdue_invoices(Invoice.objects.all()).count() == 1
    assert CreditNote.objects.count() == 1
    assert Payment.objects.get(reference="ICBC-20240002").unapplied == 20000
    assert selectors.customer_credit(Payment.objects.all()).count() == 1
    po = Invoice.objects.exclude(order=None).first().order
    assert po.state == OrderState.INVOICED


def test_the_demo_invoices_its_contract_by_its_payment_terms(demo):
    """30% advance invoiced and paid, the accepted PO invoiced at 60% of its accepted value,
    the 10% retention left for its date."""
    po = Order.objects.get(number="PO-HT-2401")
    contract = po.contract
    terms = {term.trigger: term for term in contract.terms.all()}
    advance = Invoice.objects.get(contract=contract, term=terms[Trigger.SIGNING])
    assert (advance.state, advance.amount) == (
        InvoiceState.PAID,
        terms[Trigger.SIGNING].amount_of(contract.amount),
    )

    figures = invoiceable.for_order(po)
    assert figures.accepted == po.amount
    assert figures.invoiced == figures.due == invoiceable.share_of(po.amount, Decimal("60"))
    assert figures.invoiceable == 0

    milestones = invoiceable.for_contract(contract)
    (retention,) = [m for m in milestones.milestones if m.term.trigger == Trigger.DATE]
    assert not retention.due_now
    assert retention.term.due_date.isoformat() in retention.reason.label
    assert milestones.invoiceable == 0  # the advance is invoiced, the retention not due yet
