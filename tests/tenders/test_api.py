"""The tenders API: a tender prepared, submitted and won through the calls; a 409 lists every
missing item; bad input is a 400 naming the field; lists are bounded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenders import services

pytestmark = pytest.mark.django_db
URL = "/api/v1/tenders/"


def test_prepared_submitted_and_won_through_the_api(org, api, deal):
    client = api("rep1")
    due = (timezone.now() + timedelta(days=10)).isoformat()
    response = client.post(
        URL,
        {
            "opportunity": deal.pk,
            "number": "ZB-9",
            "issuer": "Port authority",
            "submission_due_at": due,
            "bond_amount": "30000",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    tender = response.json()
    assert (tender["state"], tender["bond_outstanding"]) == ("preparing", True)
    base = f"{URL}{tender['id']}/"
    response = client.post(
        f"{base}tasks/", {"member": org.solution.pk, "role": "sr", "task": "Tech"}, format="json"
    )
    assert response.status_code == 201
    task_id = response.json()["tasks"][0]["id"]
    response = client.post(f"{base}submit/", {"price": "990000"}, format="json")
    assert response.status_code == 409
    assert [m["code"] for m in response.json()["missing"]] == ["team_tasks"]
    assert api("solution").post(f"{base}complete-task/", {"task": task_id}).status_code == 200
    response = client.post(f"{base}submit/", {"price": "990000"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    response = client.post(f"{base}win/", {"note": "Best technical score"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "won"
    response = client.post(f"{base}return-bond/", {"on": timezone.localdate().isoformat()})
    assert response.status_code == 200 and response.json()["bond_outstanding"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"number": ""}, "number"),
        ({"bond_amount": "-1"}, "bond_amount"),
        ({"bond_currency": "XXX"}, "bond_currency"),
        ({"submission_due_at": "1900-01-01T00:00:00Z"}, "submission_due_at"),
        ({"opportunity": 999999}, "opportunity"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(org, api, deal, body, field):
    data = {
        "opportunity": deal.pk,
        "number": "ZB-1",
        "issuer": "x",
        "submission_due_at": (timezone.now() + timedelta(days=3)).isoformat(),
        **body,
    }
    response = api("rep1").post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_list_filters_and_is_bounded(org, api, tender, django_assert_max_num_queries):
    for n in range(4):
        services.add_task(tender=tender, by=org.rep1, member=org.solution, role="sr", task=f"{n}")
    client = api("manager")
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.json()["count"] == 1 and len(response.json()["results"][0]["tasks"]) == 4
    assert client.get(URL + "?state=won").json()["count"] == 0
    assert client.get(URL + "?bond_outstanding=true").json()["count"] == 1
    assert client.get(URL + "?state=nonsense").status_code == 400
    assert client.get(URL + "?opportunity=1.5").status_code == 400
