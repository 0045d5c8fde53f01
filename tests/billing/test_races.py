"""Concurrent requests on PostgreSQL, each thread on its own connection: invoices never run
ahead of acceptance, an invoice is never over-allocated, a payment retried at the same moment with
one Idempotency-Key or one bank reference is recorded once."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing import invoiceable, services
from billing.models import Invoice, Payment
from ltc.core.errors import TransitionRefused
from ltc.security.tokens import issue_user_token

from ..leads.test_claim_race import run_at_once
from .steps import (
    ON_ACCEPTANCE,
    accepted_order,
    fresh,
    invoiceable_on_order,
    invoiced_on_order,
    issued,
)

RACERS = 6
D = Decimal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def terms():
    """The contract invoices 100% on acceptance; the advance is the ``milestones`` contract's."""
    return ON_ACCEPTANCE


def test_concurrent_invoices_of_one_order_stay_within_its_accepted_value(postgres, org, contract):
    order = accepted_order(contract, org, amounts=("1000", "1000"), accept=1)

    def make(_index):
        return services.create_invoice(by=org.finance, order=fresh(order), amount="400")

    results = run_at_once(make, list(range(RACERS)))

    made = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, services.AboveInvoiceable)]
    assert (len(made), len(refused)) == (2, RACERS - 2), results
    assert invoiced_on_order(order) == D("800")
    assert invoiceable_on_order(order) == D("200")


def test_concurrent_milestone_invoices_stay_within_the_advance(postgres, org, milestones):
    def make(_index):
        return services.create_invoice(by=org.finance, contract=fresh(milestones), amount="40000")

    results = run_at_once(make, list(range(RACERS)))

    assert len([r for r in results if isinstance(r, Invoice)]) == 2, results
    assert invoiceable.for_contract(milestones).milestones_invoiced == D("80000")


def test_concurrent_issues_get_consecutive_numbers(postgres, org, contract):
    order = accepted_order(contract, org, amounts=("6000",))
    drafts = [
        services.create_invoice(by=org.finance, order=order, amount="1000") for _ in range(RACERS)
    ]

    run_at_once(lambda draft: services.issue_invoice(invoice=draft, by=org.finance), drafts)

    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV2030-{n:05d}" for n in range(1, RACERS + 1)]


def test_concurrent_payments_never_over_allocate_an_invoice(postgres, org, contract):
    owed = issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))

    def pay(index):
        return services.record_payment(
            by=org.finance,
            customer=owed.customer,
            amount="400",
            currency="CNY",
            reference=f"RACE-{index}",
            allocations=[{"invoice": owed.pk, "amount": "400"}],
        )

    results = run_at_once(pay, list(range(RACERS)))

    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert (len(paid), len(refused)) == (2, RACERS - 2), results
    owed = fresh(owed)
    assert (owed.paid_amount, owed.state) == (D("800"), "partially_paid")
    assert Payment.objects.count() == 2


def test_concurrent_allocations_of_credit_never_over_allocate(postgres, org, contract):
    owed = issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))
    credits = [
        services.record_payment(
            by=org.finance, customer=owed.customer, amount="600", currency="CNY", reference=f"C-{i}"
        )
        for i in range(RACERS)
    ]

    def allocate(payment):
        return services.allocate_payment(
            payment=payment, by=org.finance, allocations=[{"invoice": owed.pk, "amount": "600"}]
        )

    results = run_at_once(allocate, credits)

    assert len([r for r in results if isinstance(r, Payment)]) == 1, results
    assert fresh(owed).paid_amount == D("600")


_keys: dict[int, str] = {}


def _client(user) -> APIClient:
    """One token per user, issued on the first call (a second issue would revoke the first)."""
    if user.pk not in _keys:
        _keys[user.pk] = issue_user_token(user=user, name="races")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_keys[user.pk]}")
    return client


def test_a_payment_posted_at_once_with_one_key_is_recorded_once(postgres, org, contract):
    owed = issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))
    body = {
        "customer": owed.customer_id,
        "amount": "300",
        "currency": "CNY",
        "reference": "ERP-RETRY-1",
        "allocations": [{"invoice": owed.pk, "amount": "300"}],
    }
    token_user = org.integration
    _keys.pop(token_user.pk, None)  # a fresh database: a fresh token
    _client(token_user)

    def post(_index):
        response = _client(token_user).post(
            "/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        )
        return response.status_code, response.json()

    results = run_at_once(post, list(range(RACERS)))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert {status for status, _body in results} <= {201, 409}
    created = [body for status, body in results if status == 201]
    assert created and all(b["id"] == created[0]["id"] for b in created)
    assert Payment.objects.count() == 1
    assert fresh(owed).paid_amount == D("300")


def test_one_bank_reference_posted_at_once_is_recorded_once(postgres, org, contract):
    owed = issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))

    def pay(_index):
        return services.record_payment(
            by=org.finance,
            customer=owed.customer,
            amount="100",
            currency="CNY",
            reference="ICBC-ONCE",
            allocations=[{"invoice": owed.pk, "amount": "100"}],
        )

    results = run_at_once(pay, list(range(RACERS)))

    assert len([r for r in results if isinstance(r, Payment)]) == 1, results
    assert all(
        isinstance(r, services.DuplicatePayment) for r in results if not isinstance(r, Payment)
    )
    assert fresh(owed).paid_amount == D("100")
