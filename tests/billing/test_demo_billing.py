"""The demo seed's billing: every situation of the finance pages has a record."""

import io

import pytest
from django.core.management import call_command

from billing import selectors
from billing.models import CreditNote, Invoice, InvoiceState, Payment
from delivery.models import OrderState

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    """The demo is seeded relative to the real today."""
    yield None


def test_the_demo_has_paid_partly_paid_overdue_and_voided_invoices_and_unapplied_credit(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())

    states = set(Invoice.objects.values_list("state", flat=True))
    assert {InvoiceState.PAID, InvoiceState.PARTIALLY_PAID, InvoiceState.VOID} <= states
    assert selectors.overdue_invoices(Invoice.objects.all()).count() == 1
    assert CreditNote.objects.count() == 1
    assert Payment.objects.get(reference="ICBC-20240002").unapplied == 20000
    assert selectors.customer_credit(Payment.objects.all()).count() == 1
    po = Invoice.objects.exclude(order=None).first().order
    assert po.state == OrderState.INVOICED
