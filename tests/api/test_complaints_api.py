"""Complaints through the API: opening on any record, the walk to closed on the customer's
confirmation, the 409 that lists every missing item, field errors, filters and bounded lists."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints import services
from complaints.models import Complaint

from ..complaints.steps import complaint_in
from ..profiles import FULL
from .test_contracts_api import contract_in
from .test_delivery_api import placed_order, units_of

URL = "/api/v1/complaints/"


def test_a_complaint_is_opened_on_a_unit_and_walked_to_closed_within_its_sla(org, api):
    unit = units_of(placed_order(org))[0]
    body = {"unit": unit.pk, "title": "Dented", "category": "quality", "severity": "high"}
    opened = api("rep1").post(URL, body, format="json")
    assert opened.status_code == 201, opened.content
    data = opened.json()
    assert (data["state"], data["owner"], data["unit"]) == ("open", org.delivery.pk, unit.pk)
    assert data["order"] == unit.order_id and data["number"].startswith("CP-")
    assert data["actions"] == []  # rep1 opened it; its owner is the FR
    fr = api("delivery")
    pk = data["id"]
    assert fr.get(f"{URL}{pk}/").json()["actions"] == ["start"]
    assert fr.post(f"{URL}{pk}/start/", {}, format="json").json()["state"] == "in_progress"
    resolved = fr.post(f"{URL}{pk}/resolve/", {"resolution": "Replaced"}, format="json")
    assert resolved.json()["state"] == "resolved"
    refused = fr.post(f"{URL}{pk}/close/", {}, format="json")
    assert refused.status_code == 409
    assert [m["code"] for m in refused.json()["missing"]] == [
        "confirmed_by",
        "channel",
        "confirmed_at",
    ]
    contact = unit.order.contract.customer.contacts.create(name="Mr Li")
    closed = fr.post(
        f"{URL}{pk}/close/",
        {
            "confirmed_by": "Mr Li",
            "contact": contact.pk,
            "channel": "signed_form",
            "confirmed_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert closed.status_code == 200, closed.content
    answer = closed.json()
    assert answer["state"] == "closed" and answer["breached"] is False
    assert answer["confirmation"]["confirmed_by"] == "Mr Li"
    assert answer["confirmation"]["contact"] == contact.pk
    assert answer["confirmation"]["recorded_by"] == org.delivery.pk


def test_resolving_without_saying_how_is_refused_with_the_missing_item(org, api):
    complaint = complaint_in(org, "in_progress")
    answer = api("delivery").post(f"{URL}{complaint.pk}/resolve/", {}, format="json")
    assert answer.status_code == 409
    assert answer.json()["missing"][0]["code"] == "resolution"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"category": "weather"}, "category"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"title": ""}, "title"),
        ({"unit": 999999}, "unit"),
        ({"order": "x"}, "order"),
        ({"owner": 999999}, "owner"),
        ({"contract": None, "customer": None}, "customer"),
    ],
)
def test_bad_input_names_the_field(org, api, body, field):
    contract = contract_in(org, "signed")
    base = {"contract": contract.pk, "title": "Late", "category": "delivery", "severity": "low"}
    base.update(body)
    base = {k: v for k, v in base.items() if v is not None}
    answer = api("manager").post(URL, base, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert not Complaint.objects.exists()


def test_a_contact_of_another_customer_is_refused(org, api):
    complaint = complaint_in(org, "resolved")
    other = contract_in(org, "signed").customer.contacts.create(name="Someone else")
    answer = api("delivery").post(
        f"{URL}{complaint.pk}/close/",
        {"confirmed_by": "X", "channel": "phone", "contact": other.pk},
        format="json",
    )
    assert answer.status_code == 400 and "contact" in answer.json()


def test_the_list_filters_by_breach_state_and_subject(org, api):
    late = complaint_in(org, severity="critical")
    on_time = complaint_in(org, "closed", contract=late.contract)
    client = api("manager")
    with time_machine.travel(timezone.now() + timedelta(hours=20)):  # responded to? no: late
        breached = client.get(URL, {"breached": "true"}).json()["results"]
        assert [c["id"] for c in breached] == [late.pk]
        assert breached[0]["breached"] is True
    closed = client.get(URL, {"state": "closed", "contract": late.contract_id}).json()
    assert [c["id"] for c in closed["results"]] == [on_time.pk]


@pytest.mark.parametrize("rows", [5, 60 if FULL else 30])
def test_the_list_runs_a_bounded_number_of_queries(org, api, rows, django_assert_max_num_queries):
    contract = contract_in(org, "signed")
    for n in range(rows):
        services.open_complaint(
            by=org.rep1, contract=contract, title=f"Issue {n}", category="other", severity="low"
        )
    for role in ("manager", "rep1", "finance"):
        client = api(role)
        with django_assert_max_num_queries(12):
            answer = client.get(URL)
        assert answer.json()["count"] == rows


def test_the_dashboard_reports_complaint_rate_breaches_and_time_to_resolve(org, api):
    complaint_in(org, "closed")
    complaint_in(org, severity="critical")
    with time_machine.travel(timezone.now() + timedelta(hours=30)):
        answer = api("manager").get("/api/v1/dashboard/complaints/")
    assert answer.status_code == 200, answer.content
    summary = answer.json()["summary"]
    assert (summary["opened"], summary["contracts"], summary["breached"]) == (2, 2, 1)
    assert summary["rate_per_contract"] == 1.0 and summary["resolved"] == 1
    assert summary["median_hours_to_resolve"] is not None
    by_contract = answer.json()["by_contract"]
    assert sorted(r["complaints"] for r in by_contract) == [1, 1]
    assert api("rep3").get("/api/v1/dashboard/complaints/").json()["summary"]["opened"] == 0
