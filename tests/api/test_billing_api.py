"""Invoices, payments and receivables through the API: the SPEC rows (POST invoices/ with 409 and
the invoiceable amount, issue/ and void/, POST payments/ with Idempotency-Key), duplicate bank
references, the work queue, receivables, bad input and bounded lists."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from billing import services
from billing.models import CreditNote, Invoice, InvoiceLine, InvoiceState, Payment
from ltc.idempotency.models import IdempotencyKey

from ..billing.steps import NOW, RETENTION_DUE, TODAY, accepted_order, issued, spec_example
from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal

INVOICES = "/api/v1/invoices/"
PAYMENTS = "/api/v1/payments/"
D = Decimal


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def signed_contract(org, **fields):
    """rep1's deal signed for 300,000 (30% on signing, 60% on acceptance, 10% on 2031-06-30)."""
    return signed(
        signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org, **fields
    )


@pytest.fixture
def contract(org):
    """Invoiced 100% on acceptance: the tests of invoicing mechanics."""
    return signed_contract(org, payment_terms=ON_ACCEPTANCE)


@pytest.fixture
def milestones(org):
    """Signed with the SPEC's terms: its advance (90,000) is due now, against the contract."""
    return signed_contract(org)


@pytest.fixture
def accepted(org, contract):
    """PO-1 of 1,000 + 2,000, the first unit accepted."""
    return accepted_order(contract, org, accept=1)


def codes(body) -> set[str]:
    return {item["code"] for item in body["missing"]}


# Invoices ----------------------------------------------------------------------------------------
def test_post_invoices_creates_a_draft_of_an_order(org, api, accepted):
    response = api("finance").post(
        INVOICES, {"order": accepted.pk, "amount": "1000"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["number"], body["amount"], body["order"]) == (
        "draft",
        "",
        "1000.00",
        accepted.pk,
    )
    assert (body["net_amount"], body["tax_amount"], body["tax_rate"]) == (
        "884.96",
        "115.04",
        "13.00",
    )
    assert body["lines"] == [{"description": "PO PO-1: accepted delivery", "amount": "1000.00"}]


def test_post_invoices_above_the_invoiceable_amount_answers_409_with_it(org, api, accepted):
    response = api("finance").post(
        INVOICES, {"order": accepted.pk, "amount": "1000.01"}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert (codes(body), body["invoiceable"]) == ({"accepted_value", "not_accepted"}, "1000.00")
    assert body["detail"]
    assert not Invoice.objects.exists()


def test_post_invoices_of_a_contract_for_its_advance(org, api, milestones):
    client = api("finance")
    refused = client.post(INVOICES, {"contract": milestones.pk, "amount": "90001"}, format="json")
    created = client.post(INVOICES, {"contract": milestones.pk, "amount": "90000"}, format="json")

    assert (refused.status_code, refused.json()["invoiceable"]) == (409, "90000.00")
    assert created.status_code == 201 and created.json()["order"] is None


def test_post_invoices_follows_the_contracts_payment_terms(org, api, frozen):
    """30% at signing (invoiced), 60% on acceptance, 10% retention on 2031-05-06; the order of
    1,000,000 fully accepted is invoiceable at 600,000, the retention on its date."""
    contract, placed, terms = spec_example(org)
    client = api("finance")
    en = {"format": "json", "HTTP_ACCEPT_LANGUAGE": "en"}

    refused = client.post(INVOICES, {"order": placed.pk, "amount": "700000"}, **en)
    assert refused.status_code == 409
    body = refused.json()
    assert (body["invoiceable"], codes(body)) == (
        "600000.00",
        {"accepted_value", "advance", "milestone_date"},
    )
    assert {
        "code": "accepted_value",
        "label": "On acceptance: 60% on acceptance of 1,000,000.00 accepted: 600,000.00; "
        "0.00 invoiced",
    } in body["missing"]
    created = client.post(INVOICES, {"order": placed.pk, "amount": "600000"}, **en)
    assert (created.status_code, created.json()["amount"]) == (201, "600000.00")

    retention = {"contract": contract.pk, "term": terms["date"].pk, "amount": "100000"}
    early = client.post(INVOICES, retention, **en)
    assert (early.status_code, early.json()["invoiceable"]) == (409, "0.00")
    assert {
        "code": "milestone_date",
        "label": "Retention 100,000.00 due 2031-05-06, against the contract",
    } in early.json()["missing"]
    frozen.move_to(datetime.combine(RETENTION_DUE, datetime.min.time()))
    # A year on, the token has expired: api() issues a fresh one.
    on_time = api("finance").post(INVOICES, retention, **en)
    assert on_time.status_code == 201, on_time.content
    assert on_time.json()["amount"] == "100000.00"
    assert Invoice.objects.get(pk=on_time.json()["id"]).term == terms["date"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": "10"}, "order"),
        ({"amount": "-1", "order": "ORDER"}, "amount"),
        ({"amount": "x", "order": "ORDER"}, "amount"),
        ({"amount": "10", "order": 999999}, "order"),
        ({"amount": "10", "order": "ORDER", "contract": "CONTRACT"}, "order"),
        (
            {"amount": "10", "order": "ORDER", "lines": [{"description": "A", "amount": "9"}]},
            "lines",
        ),
        ({"amount": "10", "order": "ORDER", "tax_rate": "200"}, "tax_rate"),
    ],
)
def test_bad_invoice_input_is_a_400_naming_the_field(org, api, accepted, body, field):
    body = {
        k: accepted.pk if v == "ORDER" else accepted.contract_id if v == "CONTRACT" else v
        for k, v in body.items()
    }
    response = api("finance").post(INVOICES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_issue_numbers_the_invoice_and_void_answers_it_with_its_credit_note(org, api, accepted):
    client = api("finance")
    draft = client.post(INVOICES, {"order": accepted.pk, "amount": "600"}, format="json").json()

    issued_body = client.post(f"{INVOICES}{draft['id']}/issue/").json()
    voided = client.post(f"{INVOICES}{draft['id']}/void/")

    assert (issued_body["state"], issued_body["number"], issued_body["due_date"]) == (
        "issued",
        "INV2030-00001",
        "2030-06-05",
    )
    assert voided.status_code == 200
    assert voided.json()["state"] == "void"
    assert voided.json()["credit_note"]["number"] == "CN2030-00001"
    assert voided.json()["credit_note"]["amount"] == "600.00"
    notes = api("finance").get("/api/v1/credit-notes/").json()
    assert [n["invoice_number"] for n in notes["results"]] == ["INV2030-00001"]


def test_an_issued_invoice_cannot_be_issued_again_nor_a_draft_voided(org, api, accepted):
    client = api("finance")
    draft = client.post(INVOICES, {"order": accepted.pk, "amount": "600"}, format="json").json()
    not_yet = client.post(f"{INVOICES}{draft['id']}/void/", {"reason": "x"}, format="json")
    client.post(f"{INVOICES}{draft['id']}/issue/")
    again = client.post(f"{INVOICES}{draft['id']}/issue/")
    assert (not_yet.status_code, codes(not_yet.json())) == (409, {"state"})
    assert (again.status_code, codes(again.json())) == (409, {"state"})


def test_an_invoice_post_with_an_idempotency_key_is_created_once(org, api, accepted):
    client = api("integration")
    body = {"order": accepted.pk, "amount": "500"}
    first = client.post(INVOICES, body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")
    again = client.post(INVOICES, body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


# Payments ----------------------------------------------------------------------------------------
def payment_body(invoice, amount="400", total=None, reference="ICBC-0001", **extra) -> dict:
    return {
        "customer": invoice.customer_id,
        "amount": total or amount,
        "currency": "CNY",
        "date": TODAY.isoformat(),
        "reference": reference,
        "allocations": [{"invoice": invoice.pk, "amount": amount}],
        **extra,
    }


@pytest.fixture
def owed(org, accepted):
    return issued(org.finance, "1000", order=accepted)


def test_post_payments_records_and_allocates(org, api, owed):
    response = api("finance").post(PAYMENTS, payment_body(owed, "400", total="1500"), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["allocated_amount"], body["unapplied"], body["date"]) == (
        "1500.00",
        "400.00",
        "1100.00",
        "2030-05-06",
    )
    assert [(a["invoice"], a["amount"]) for a in body["allocations"]] == [(owed.pk, "400.00")]
    assert Invoice.objects.get(pk=owed.pk).state == InvoiceState.PARTIALLY_PAID


def test_a_payment_retried_with_the_same_key_is_recorded_once(org, api, owed):
    client = api("integration")
    body = payment_body(owed)
    first = client.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="erp-77")
    # The same body, its keys in another order, sent again after a timeout.
    retried = client.post(
        PAYMENTS, dict(reversed(list(body.items()))), format="json", HTTP_IDEMPOTENCY_KEY="erp-77"
    )

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.json() == first.json()
    assert Payment.objects.count() == 1
    assert Invoice.objects.get(pk=owed.pk).paid_amount == D("400")


def test_the_same_key_with_another_body_answers_422_and_records_nothing(org, api, owed):
    client = api("integration")
    client.post(PAYMENTS, payment_body(owed), format="json", HTTP_IDEMPOTENCY_KEY="erp-78")
    other = client.post(
        PAYMENTS,
        payment_body(owed, "500", reference="ICBC-2"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="erp-78",
    )

    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert Payment.objects.count() == 1


def test_a_key_belongs_to_its_user(org, api, owed):
    api("integration").post(PAYMENTS, payment_body(owed), format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = api("finance").post(
        PAYMENTS, payment_body(owed, reference="OTHER"), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert second.status_code == 201
    assert Payment.objects.count() == 2


def test_a_refused_payment_keeps_its_key_free(org, api, owed):
    client = api("integration")
    refused = client.post(
        PAYMENTS,
        payment_body(owed, "1000.01", total="2000"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    fixed = client.post(
        PAYMENTS, payment_body(owed, "1000", total="2000"), format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )

    assert (refused.status_code, codes(refused.json())) == (409, {f"outstanding_{owed.pk}"})
    assert fixed.status_code == 201
    assert IdempotencyKey.objects.get(key="k2").response_status == 201


def test_the_same_bank_reference_twice_answers_409_naming_the_payment(org, api, owed):
    client = api("finance")
    first = client.post(PAYMENTS, payment_body(owed, "100"), format="json").json()
    again = client.post(PAYMENTS, payment_body(owed, "100"), format="json")

    assert again.status_code == 409
    assert (codes(again.json()), again.json()["payment"]) == ({"reference_unique"}, first["id"])
    assert Payment.objects.count() == 1


def test_over_allocation_is_a_409(org, api, owed):
    response = api("finance").post(
        PAYMENTS, payment_body(owed, "1000.01", total="2000"), format="json"
    )
    assert (response.status_code, codes(response.json())) == (409, {f"outstanding_{owed.pk}"})


def test_unapplied_credit_is_allocated_later_and_released(org, api, owed):
    client = api("finance")
    payment = client.post(
        PAYMENTS, {**payment_body(owed, "100", total="600"), "allocations": []}, format="json"
    ).json()
    allocated = client.post(
        f"{PAYMENTS}{payment['id']}/allocate/",
        {"allocations": [{"invoice": owed.pk, "amount": "600"}]},
        format="json",
    )
    too_much = client.post(
        f"{PAYMENTS}{payment['id']}/allocate/",
        {"allocations": [{"invoice": owed.pk, "amount": "1"}]},
        format="json",
    )
    allocation = allocated.json()["allocations"][0]["id"]
    released = client.post(
        f"{PAYMENTS}{payment['id']}/release/",
        {"allocation": allocation, "reason": "Wrong"},
        format="json",
    )

    assert (allocated.status_code, allocated.json()["unapplied"]) == (200, "0.00")
    assert (too_much.status_code, codes(too_much.json())) == (409, {"unapplied"})
    assert (released.status_code, released.json()["unapplied"]) == (200, "600.00")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"currency": "XYZ"}, "currency"),
        ({"amount": "0"}, "amount"),
        ({"reference": ""}, "reference"),
        ({"customer": 999999}, "customer"),
        ({"date": "2031-01-01"}, "date"),
        ({"allocations": [{"invoice": "x", "amount": "1"}]}, "allocations"),
    ],
)
def test_bad_payment_input_is_a_400(org, api, owed, change, field):
    response = api("finance").post(PAYMENTS, {**payment_body(owed), **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Payment.objects.exists()


# Read endpoints ----------------------------------------------------------------------------------
def test_the_invoiceable_queue_lists_what_may_be_invoiced_now(org, api, accepted, milestones):
    body = api("finance").get("/api/v1/billing/invoiceable/").json()

    assert [(o["number"], o["invoiceable"], o["not_accepted_value"]) for o in body["orders"]] == [
        ("PO-1", "1000.00", "2000.00")
    ]
    (row,) = body["contracts"]
    assert (row["id"], row["invoiceable"]) == (milestones.pk, "90000.00")
    assert [(m["trigger"], m["due_now"]) for m in row["milestones"]] == [
        ("signing", True),
        ("acceptance", False),
        ("date", False),
    ]


def test_the_invoiceable_queue_says_which_milestone_each_amount_belongs_to(org, api):
    contract, placed, _terms = spec_example(org)
    body = api("finance").get("/api/v1/billing/invoiceable/", HTTP_ACCEPT_LANGUAGE="en").json()

    (row,) = body["orders"]
    assert (row["id"], row["acceptance_percent"], row["acceptance_due"], row["invoiceable"]) == (
        placed.pk,
        "60.00",
        "600000.00",
        "600000.00",
    )
    assert [r["label"] for r in row["reasons"]] == [
        "On acceptance: 60% on acceptance of 1,000,000.00 accepted: 600,000.00; 0.00 invoiced",
        "Advance 30% (300,000.00 of this order) is invoiced against the contract",
        "Retention 10% (100,000.00 of this order) is invoiced against the contract, due 2031-05-06",
    ]
    # the advance is invoiced and the retention not due: nothing against the contract now
    assert [c["id"] for c in body["contracts"]] == []


def test_receivables_answers_aging_dso_and_order_to_cash(org, api, owed, frozen):
    frozen.shift(timedelta(days=45))  # 15 days past due
    body = api("finance").get(f"{INVOICES}receivables/").json()

    (row,) = body["aging"]
    assert (row["currency"], row["days_0_30"], row["total"]) == ("CNY", "1000.00", "1000.00")
    assert body["customers"][0]["customer"] == owed.customer_id
    assert body["dso"][0]["dso"] == "90.0"
    overdue = api("finance").get(f"{INVOICES}?overdue=true").json()
    assert [i["id"] for i in overdue["results"]] == [owed.pk]


def _many_invoices(org, count: int) -> None:
    contract = signed_contract(org, amount=Decimal("1000000"))
    rows = Invoice.objects.bulk_create(
        [
            Invoice(
                customer_id=contract.customer_id,
                contract=contract,
                amount=D("10"),
                currency="CNY",
                tax_rate=D("13"),
                payment_days=30,
                started_on=TODAY,
                created_by=org.finance,
            )
            for _ in range(count)
        ]
    )
    InvoiceLine.objects.bulk_create(
        [InvoiceLine(invoice=i, description="L", amount=D("10")) for i in rows]
    )
    for invoice in rows[:3]:
        services.issue_invoice(invoice=invoice, by=org.finance)
        services.record_payment(
            by=org.finance,
            customer=contract.customer,
            amount="5",
            currency="CNY",
            reference=f"R-{invoice.pk}",
            allocations=[{"invoice": invoice.pk, "amount": "5"}],
        )
    issued_last = services.issue_invoice(invoice=rows[-1], by=org.finance)
    services.void_invoice(invoice=issued_last, by=org.finance, reason="Test")


@pytest.mark.parametrize("role", ["finance", "manager", "rep1"])
@pytest.mark.parametrize("count", [5, 60])
def test_billing_lists_run_a_bounded_number_of_queries(
    org, api, role, count, django_assert_max_num_queries
):
    _many_invoices(org, count)
    client = api(role)
    # token, the team tree, COUNT(*), the page with its joins, the lines
    with django_assert_max_num_queries(6):
        invoices = client.get(f"{INVOICES}?page_size=200")
    assert invoices.status_code == 200 and invoices.json()["count"] == count
    with django_assert_max_num_queries(6):
        payments = client.get(f"{PAYMENTS}?page_size=200")
    assert payments.status_code == 200 and payments.json()["count"] == 3
    with django_assert_max_num_queries(6):
        notes = client.get("/api/v1/credit-notes/?page_size=200")
    assert notes.json()["count"] == 1
    with django_assert_max_num_queries(8):
        assert client.get(f"{INVOICES}receivables/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/billing/invoiceable/").status_code == 200
    assert CreditNote.objects.count() == 1


@pytest.mark.parametrize("count", [2, 12])
def test_the_invoiceable_queue_runs_a_bounded_number_of_queries(
    org, api, count, django_assert_max_num_queries
):
    """Orders on several contracts, each with its terms and milestones: the figures and their
    reasons come from one prefetch of the terms, not a query per row."""
    for index in range(count // 2):
        contract = signed_contract(org, amount=Decimal("1000000"))
        for number in range(2):
            placed = accepted_order(
                contract, org, number=f"PO-{index}-{number}", amounts=("1000", "2000"), accept=1
            )
            issued(org.finance, "100", order=placed)
    client = api("finance")
    # token, the page of orders (with their contracts), their accepted units, the live invoices
    # of their contracts, their contracts' terms, the contracts, their terms
    with django_assert_max_num_queries(7):
        body = client.get("/api/v1/billing/invoiceable/").json()
    assert len(body["orders"]) == count and len(body["contracts"]) == count // 2
