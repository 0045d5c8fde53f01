"""What an ERP needs to sync without duplicates: lead import with a per-row answer, upserts keyed by
the ERP's ``external_id`` (customers, orders, payments), and ``Idempotency-Key`` on the POSTs it
retries (leads, orders, lead import) — through integration tokens with the matching scopes."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from billing.models import Payment
from delivery.models import Order
from leads.models import Lead
from ltc.customers.models import Customer
from ltc.integrations.models import Scope

from ..billing.steps import NOW, TODAY, accepted_order, issued
from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal
from ..integrations.helpers import token_client

LEAD = {
    "title": "Line 3 retrofit",
    "company_name": "Acme Robotics",
    "contact_name": "Li Lei",
    "phone": "13800000001",
    "email": "li@acme.example",
    "source": "website",
    "estimated_amount": "1200000.00",
    "currency": "CNY",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def erp(org):
    client, _token, _key = token_client(
        org, Scope.LEADS_WRITE, Scope.ORDERS_WRITE, Scope.BILLING_WRITE
    )
    return client


@pytest.fixture
def contract(org):
    """Invoiced 100% on acceptance: the payment terms are not the point here."""
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    return signed(deal, org, payment_terms=ON_ACCEPTANCE)


# Lead import -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_lead_import_answers_row_by_row(org, erp):
    rows = [
        LEAD,
        {**LEAD, "title": "Same person again"},  # same phone and e-mail: flagged duplicate
        {**LEAD, "title": "", "source": "carrier pigeon", "phone": "13900000002"},
        "not an object",
        {
            **LEAD,
            "title": "Another",
            "phone": "13700000003",
            "email": "x@other.example",
            "company_name": "Other Co",
        },
    ]
    response = erp.post("/api/v1/leads/bulk/", rows, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["duplicates"], body["errors"]) == (2, 1, 2)
    statuses = [(r["index"], r["status"]) for r in body["results"]]
    assert statuses == [
        (0, "created"),
        (1, "duplicate"),
        (2, "error"),
        (3, "error"),
        (4, "created"),
    ]
    first = body["results"][0]["id"]
    assert body["results"][1]["duplicate_of"] == first
    assert set(body["results"][2]["errors"]) == {"title", "source"}
    assert Lead.objects.count() == 3


@pytest.mark.django_db
def test_lead_import_retried_with_its_key_creates_nothing_new(org, erp):
    rows = [LEAD, {**LEAD, "phone": "13900000009", "email": "", "company_name": "B Co"}]
    first = erp.post("/api/v1/leads/bulk/", rows, format="json", HTTP_IDEMPOTENCY_KEY="imp-1")
    again = erp.post("/api/v1/leads/bulk/", rows, format="json", HTTP_IDEMPOTENCY_KEY="imp-1")
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"title": "x"}, [], [LEAD] * 501])
def test_lead_import_needs_a_list_of_at_most_500(org, erp, body):
    response = erp.post("/api/v1/leads/bulk/", body, format="json")
    assert response.status_code == 400
    assert "leads" in response.json()


# Idempotency-Key on the POSTs an ERP retries ----------------------------------------------------
@pytest.mark.django_db
def test_a_lead_posted_twice_with_one_key_is_created_once(org, erp):
    first = erp.post("/api/v1/leads/", LEAD, format="json", HTTP_IDEMPOTENCY_KEY="lead-1")
    again = erp.post("/api/v1/leads/", LEAD, format="json", HTTP_IDEMPOTENCY_KEY="lead-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Lead.objects.count() == 1
    other = erp.post(
        "/api/v1/leads/", {**LEAD, "title": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="lead-1"
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert Lead.objects.count() == 1


def order_body(contract, number="PO-9", amounts=("1000", "2000")):
    return {
        "contract": contract.pk,
        "number": number,
        "amount": str(sum(Decimal(a) for a in amounts)),
        "units": [
            {"name": f"Site {i}", "kind": "site", "amount": a} for i, a in enumerate(amounts)
        ],
    }


@pytest.mark.django_db
def test_an_order_posted_twice_with_one_key_is_placed_once(org, erp, contract):
    body = order_body(contract)
    first = erp.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="po-9")
    again = erp.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="po-9")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    changed = erp.post(
        "/api/v1/orders/", order_body(contract, "PO-10"), format="json", HTTP_IDEMPOTENCY_KEY="po-9"
    )
    assert changed.status_code == 422
    assert Order.objects.count() == 1


# Upserts by external id --------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_customer_upsert_creates_then_updates_the_same_row(org, erp):
    url = "/api/v1/customers/by-external-id/ERP-C-1/"
    created = erp.put(url, {"name": "Acme Robotics", "industry": "Robots"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["external_id"] == "ERP-C-1"
    updated = erp.put(url, {"name": "Acme Robotics Ltd", "industry": "Robots"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert Customer.objects.get().name == "Acme Robotics Ltd"
    assert erp.get(url).json()["name"] == "Acme Robotics Ltd"
    assert erp.get("/api/v1/customers/by-external-id/nope/").status_code == 404
    invalid = erp.put(url, {"name": ""}, format="json")
    assert invalid.status_code == 400
    assert "name" in invalid.json()


@pytest.mark.django_db
def test_an_order_upsert_places_once_and_refuses_other_data_under_its_id(org, erp, contract):
    url = "/api/v1/orders/by-external-id/SAP-4711/"
    first = erp.put(url, order_body(contract), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["external_id"] == "SAP-4711"
    again = erp.put(url, order_body(contract), format="json")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    other = erp.put(url, order_body(contract, amounts=("1000", "2500")), format="json")
    assert other.status_code == 409
    assert [m["code"] for m in other.json()["missing"]] == ["same_order"]
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_payment_upsert_records_once(org, erp, contract):
    invoice = issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))
    body = {
        "customer": invoice.customer_id,
        "amount": "400",
        "currency": "CNY",
        "date": TODAY.isoformat(),
        "reference": "ICBC-1",
        "allocations": [{"invoice": invoice.pk, "amount": "400"}],
    }
    url = "/api/v1/payments/by-external-id/ERP-P-1/"
    first = erp.put(url, body, format="json")
    assert first.status_code == 201, first.content
    again = erp.put(url, body, format="json")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert Payment.objects.get().external_id == "ERP-P-1"


@pytest.mark.django_db
def test_upserts_need_the_scope_of_the_resource(org):
    reader, _token, _key = token_client(org)
    assert reader.put("/api/v1/customers/by-external-id/X/", {"name": "A"}).status_code == 403
    leads_only, _token, _key = token_client(org, Scope.LEADS_WRITE)
    assert leads_only.put("/api/v1/orders/by-external-id/X/", {}, format="json").status_code == 403
    assert (
        leads_only.put("/api/v1/payments/by-external-id/X/", {}, format="json").status_code == 403
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_a_new_customer_create_one(org, postgres):
    clients = [token_client(org, Scope.ORDERS_WRITE)[0] for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    codes = []

    def put(client):
        try:
            barrier.wait()
            response = client.put(
                "/api/v1/customers/by-external-id/RACE-1/", {"name": "Race Co"}, format="json"
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=put, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 200, 200, 201]
    assert Customer.objects.filter(external_id="RACE-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_lead_posts_with_one_key_create_one_lead(org, postgres):
    clients = [token_client(org, Scope.LEADS_WRITE)[0] for _ in range(3)]
    barrier = threading.Barrier(len(clients))
    codes = []

    def post(client):
        try:
            barrier.wait()
            response = client.post(
                "/api/v1/leads/", LEAD, format="json", HTTP_IDEMPOTENCY_KEY="race-lead"
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Lead.objects.count() == 1
    assert set(codes) <= {201, 409}
    assert 201 in codes
