"""The registrations through the API: a partner registers, the channel manager decides."""

import pytest

from partners.models import DealRegistration

from ..factories import CustomerFactory, opportunity
from .steps import register

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner-registrations/"
BODY = {
    "customer_name": "华东钢铁集团有限公司",
    "project_name": "智能工厂 MES 一期",
    "amount": "800000.00",
    "currency": "CNY",
    "expected_close_date": "2031-06-30",
}


def test_a_partner_registers_and_the_channel_manager_accepts(org, partner_org, api):
    customer = CustomerFactory(name="华东钢铁集团", owner=org.rep1, team=org.team1)
    deal = opportunity(org.rep1, customer=customer, name="智能工厂MES一期")
    body = {**BODY, "expected_close_date": str(deal.expected_close_date)}

    created = api("partner").post(URL, body, format="json")

    assert created.status_code == 201, created.json()
    answer = created.json()
    assert answer["state"] == "in_review"
    assert answer["conflicts"] == []  # a partner never reads what it conflicts with
    seen = api("manager").get(f"{URL}{answer['id']}/").json()
    assert [c["id"] for c in seen["conflicts"]] == [deal.pk]

    refused = api("manager").post(f"{URL}{answer['id']}/accept/", {"owner": org.rep1.pk})
    assert refused.status_code == 409
    assert [m["code"] for m in refused.json()["missing"]] == ["conflict_note"]

    accepted = api("manager").post(
        f"{URL}{answer['id']}/accept/", {"owner": org.rep1.pk, "note": "Ours is stalled"}
    )
    assert accepted.status_code == 200, accepted.json()
    assert (accepted.json()["state"], accepted.json()["deal_stage"]) == ("accepted", "approved")
    mine = api("partner").get(URL).json()["results"]
    assert [(r["id"], r["deal_state"]) for r in mine] == [(answer["id"], "open")]


def test_bad_input_is_a_400_naming_the_field(org, partner_org, api):
    answer = api("partner").post(URL, {**BODY, "amount": "-5", "expected_close_date": "x"})
    assert answer.status_code == 400
    assert {"amount", "expected_close_date"} <= set(answer.json())
    assert not DealRegistration.objects.exists()


def test_reject_needs_a_reason_and_renew_refuses_an_open_registration(org, partner_org, api):
    registration = register(org)
    assert api("manager").post(f"{URL}{registration.pk}/reject/", {}).status_code == 400
    renew = api("manager").post(f"{URL}{registration.pk}/renew/")
    assert renew.status_code == 409
    rejected = api("manager").post(f"{URL}{registration.pk}/reject/", {"reason": "Ours"})
    assert rejected.json()["state"] == "rejected"
    assert api("partner").get(f"{URL}{registration.pk}/").json()["rejection_reason"] == "Ours"


def test_the_list_runs_a_bounded_number_of_queries(
    org, partner_org, api, django_assert_max_num_queries
):
    for n in range(6):
        register(org, project_name=f"Project {n}", customer_name=f"Customer {n}")
    client = api("manager")
    with django_assert_max_num_queries(14):
        answer = client.get(URL)
    assert answer.json()["count"] == 6
