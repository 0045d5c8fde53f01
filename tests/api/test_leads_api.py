"""The leads part of the REST API contract (SPEC, "The chain through the API"), end to end."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from leads.models import Lead

from ..factories import LeadFactory, held_lead

NEW_LEAD = {
    "title": "MES for the Suzhou plant",
    "company_name": "苏州精密机械有限公司",
    "contact_name": "Li Lei",
    "phone": "+86 139 0000 1111",
    "email": "li.lei@szjm.cn",
    "source": "trade_show",
    "estimated_amount": "1200000.00",
    "currency": "CNY",
}


def lead_url(lead_id, action: str = "") -> str:
    return f"/api/v1/leads/{lead_id}/" + (f"{action}/" if action else "")


def test_token_is_issued_for_username_and_password(org):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "rep1", "password": "demo1234"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/users/me/").json()["username"] == "rep1"


def test_token_is_refused_for_a_wrong_password(org):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "rep1", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_anonymous_requests_are_refused(org):
    assert APIClient().get("/api/v1/leads/").status_code == 401


def test_a_lead_goes_from_creation_through_the_pool_to_validation(org, api):
    marketing, rep1 = api("marketing"), api("rep1")

    created = marketing.post("/api/v1/leads/", NEW_LEAD, format="json")
    assert created.status_code == 201, created.json()
    lead = created.json()
    assert (lead["state"], lead["owner"]) == ("new", None)
    assert isinstance(lead["id"], int)
    assert lead["score"] == sum(r["points"] for r in lead["score_reasons"])
    assert all(r["label"] for r in lead["score_reasons"])

    pool = rep1.get("/api/v1/leads/pool/").json()
    assert [row["id"] for row in pool["results"]] == [lead["id"]]

    claimed = rep1.post(lead_url(lead["id"], "claim"))
    assert claimed.status_code == 200
    assert (claimed.json()["state"], claimed.json()["owner"]) == ("assigned", org.rep1.pk)
    assert rep1.get("/api/v1/leads/pool/").json()["results"] == []

    refused = rep1.post(lead_url(lead["id"], "validate"), {}, format="json")
    assert refused.status_code == 409
    assert sorted(m["code"] for m in refused.json()["missing"]) == [
        "budget_confirmed",
        "follow_up_logged",
        "need",
    ]

    follow_up = rep1.post(
        lead_url(lead["id"], "follow-up"),
        {"kind": "visit", "note": "Met the plant manager"},
        format="json",
    )
    assert follow_up.status_code == 201
    assert (follow_up.json()["kind"], follow_up.json()["actor"]) == ("visit", org.rep1.pk)

    validated = rep1.post(
        lead_url(lead["id"], "validate"),
        {"need": "Traceability", "budget_confirmed": True},
        format="json",
    )
    assert validated.status_code == 200, validated.json()
    assert validated.json()["state"] == "validated"
    assert Lead.objects.get(pk=lead["id"]).state == "validated"


def test_a_taken_lead_answers_409_with_detail_and_missing(org, api):
    lead = LeadFactory(pool=org.region_pool)
    assert api("rep1").post(lead_url(lead.pk, "claim")).status_code == 200

    response = api("rep2").post(lead_url(lead.pk, "claim"))

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert [set(item) for item in body["missing"]] == [{"code", "label"}]
    assert body["missing"][0]["code"] == "state"
    assert Lead.objects.get(pk=lead.pk).owner == org.rep1


def test_claim_over_a_limit_lists_the_limit(org, api):
    org.region_pool.max_held = 1
    org.region_pool.save()
    held_lead(org.rep1, pool=org.region_pool)
    lead = LeadFactory(pool=org.region_pool)

    response = api("rep1").post(lead_url(lead.pk, "claim"))

    assert response.status_code == 409
    assert [m["code"] for m in response.json()["missing"]] == ["max_held"]


def test_manager_assigns_to_a_team_member_by_user_id(org, api):
    lead = LeadFactory(pool=org.region_pool)
    response = api("manager").post(
        lead_url(lead.pk, "assign"), {"owner": org.rep2.pk}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["state"]) == (org.rep2.pk, "assigned")


@pytest.mark.parametrize(
    "owner, field",
    [("rep3", "owner"), ("finance", "owner")],
)
def test_assigning_to_someone_not_allowed_is_a_field_error(org, api, owner, field):
    lead = LeadFactory(pool=org.region_pool)
    response = api("manager").post(
        lead_url(lead.pk, "assign"), {"owner": org.user(owner).pk}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Lead.objects.get(pk=lead.pk).owner is None


@pytest.mark.parametrize("owner", ["abc", 999999, None, "", 10**30])
def test_assigning_to_an_unknown_or_malformed_user_is_400(org, api, owner):
    lead = LeadFactory(pool=org.region_pool)
    response = api("marketing").post(lead_url(lead.pk, "assign"), {"owner": owner}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()


def test_release_needs_a_reason_and_returns_the_lead_to_the_pool(org, api):
    lead = held_lead(org.rep1, pool=org.region_pool)
    rep1 = api("rep1")

    assert rep1.post(lead_url(lead.pk, "release"), {}, format="json").status_code == 400
    assert (
        rep1.post(lead_url(lead.pk, "release"), {"reason": " "}, format="json").status_code == 400
    )
    response = rep1.post(
        lead_url(lead.pk, "release"), {"reason": "Out of my region"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["owner"]) == ("new", None)
    assert lead.recoveries.get().reason == "Out of my region"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "fax", "note": "x"},
        {"kind": "call"},
        {"kind": "call", "note": ""},
        {"kind": "call", "note": "x" * 5001},
    ],
)
def test_follow_up_with_bad_input_is_400_and_changes_nothing(org, api, body):
    lead = held_lead(org.rep1)
    response = api("rep1").post(lead_url(lead.pk, "follow-up"), body, format="json")
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).follow_up_count == 0


def test_disqualify_with_a_reason(org, api):
    lead = held_lead(org.rep1)
    rep1 = api("rep1")

    assert (
        rep1.post(lead_url(lead.pk, "disqualify"), {"reason": "bored"}, format="json").status_code
        == 400
    )
    response = rep1.post(
        lead_url(lead.pk, "disqualify"), {"reason": "no_budget", "note": "Next year"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["disqualify_reason"]) == (
        "disqualified",
        "no_budget",
    )
    again = rep1.post(lead_url(lead.pk, "disqualify"), {"reason": "no_budget"}, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize("method", ["patch", "put"])
def test_the_state_is_never_written_by_patch_or_put(org, api, method):
    lead = held_lead(org.rep1)
    body = {
        "title": lead.title,
        "company_name": lead.company_name,
        "source": lead.source,
        "state": "validated",
    }

    response = getattr(api("rep1"), method)(lead_url(lead.pk), body, format="json")

    assert response.status_code == 400
    assert "state" in response.json()
    assert Lead.objects.get(pk=lead.pk).state == "assigned"


def test_owner_edits_fields_with_patch_and_put(org, api):
    lead = held_lead(org.rep1, estimated_amount=None)
    rep1 = api("rep1")

    patched = rep1.patch(
        lead_url(lead.pk), {"need": "Two lines", "estimated_amount": "5000000"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["need"] == "Two lines"
    assert patched.json()["score"] == sum(r["points"] for r in patched.json()["score_reasons"])

    put = rep1.put(
        lead_url(lead.pk),
        {"title": "Renamed", "company_name": "New Co", "source": "partner"},
        format="json",
    )
    assert put.status_code == 200, put.json()
    lead.refresh_from_db()
    assert (lead.title, lead.company_name, lead.source, lead.state) == (
        "Renamed",
        "New Co",
        "partner",
        "assigned",
    )


def test_read_only_fields_are_ignored_on_update(org, api):
    lead = held_lead(org.rep1)
    response = api("rep1").patch(
        lead_url(lead.pk), {"owner": org.rep2.pk, "score": 999}, format="json"
    )
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.owner == org.rep1 and lead.score != 999


def test_a_colleague_who_does_not_work_the_lead_may_not_edit_it(org, api):
    lead = LeadFactory(pool=org.region_pool)
    response = api("rep1").patch(lead_url(lead.pk), {"title": "Mine"}, format="json")
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).title == lead.title


def test_moving_a_lead_to_another_pool_by_patch_is_refused(org, api):
    lead = held_lead(org.rep1, pool=org.region_pool)
    response = api("rep1").patch(lead_url(lead.pk), {"pool": org.default_pool.pk}, format="json")
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).pool == org.region_pool


@pytest.mark.parametrize(
    "change",
    [
        {"estimated_amount": "-1"},
        {"estimated_amount": "abc"},
        {"estimated_amount": "1" * 20},
        {"source": "carrier_pigeon"},
        {"currency": "XXX"},
        {"title": "x" * 201},
        {"company_name": "x" * 201},
        {"phone": "1" * 41},
        {"email": "not-an-email"},
        {"need": "x" * 5001},
        {"title": ""},
        {"campaign": "abc"},
        {"campaign": 999999},
        {"pool": "abc"},
        {"budget_confirmed": "perhaps"},
    ],
)
def test_bad_input_on_create_is_400_with_the_field_named(org, api, change):
    response = api("marketing").post("/api/v1/leads/", NEW_LEAD | change, format="json")
    assert response.status_code == 400, response.content
    assert set(change) <= set(response.json())
    assert not Lead.objects.exists()


def test_create_accepts_a_non_json_form_and_missing_required_fields_are_named(org, api):
    response = api("marketing").post("/api/v1/leads/", {"title": "Only a title"})
    assert response.status_code == 400
    assert {"company_name", "source"} <= set(response.json())


def test_create_with_a_pool_the_user_does_not_work_in_is_400(org, api):
    response = api("rep1").post(
        "/api/v1/leads/", NEW_LEAD | {"pool": org.team2_pool.pk}, format="json"
    )
    assert response.status_code == 400
    assert "pool" in response.json()


@pytest.mark.parametrize("lead_id", ["999999", "abc", "1.5", "99999999999999999999999"])
@pytest.mark.parametrize(
    "action", ["", "claim", "release", "follow-up", "validate", "disqualify", "assign", "merge"]
)
def test_unknown_or_malformed_lead_ids_are_404_never_500(org, api, lead_id, action):
    client = api("admin")
    if action:
        response = client.post(
            lead_url(lead_id, action), {"reason": "x", "kind": "call", "note": "x"}, format="json"
        )
    else:
        response = client.get(lead_url(lead_id))
    assert response.status_code == 404


def test_activities_of_a_lead_are_listed(org, api):
    lead = held_lead(org.rep1)
    api("rep1").post(
        lead_url(lead.pk, "follow-up"), {"kind": "call", "note": "Hello"}, format="json"
    )
    rows = api("manager").get(lead_url(lead.pk, "activities")).json()
    assert [(r["kind"], r["note"]) for r in rows] == [("call", "Hello")]


def test_merge_through_the_api(org, api):
    original = held_lead(org.rep1, company_name="华为技术有限公司")
    duplicate = held_lead(org.rep1, company_name="华为技术")
    response = api("rep1").post(
        lead_url(duplicate.pk, "merge"), {"into": original.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == original.pk
    assert Lead.objects.get(pk=duplicate.pk).disqualify_reason == "duplicate"


def test_lists_filter_and_order(org, api):
    held_lead(org.rep1, source="partner", due_in=timedelta(days=1))
    held_lead(org.rep1, source="website", due_in=timedelta(days=2))
    rep1 = api("rep1")
    rows = rep1.get("/api/v1/leads/", {"source": "partner"}).json()["results"]
    assert [r["source"] for r in rows] == ["partner"]
    assert rep1.get("/api/v1/leads/", {"source": "nonsense"}).status_code == 400
    assert rep1.get("/api/v1/leads/", {"ordering": "follow_up_due_at"}).status_code == 200
    # Lead lists page by keyset cursor: a malformed cursor is a 404 like a bad page number.
    assert rep1.get("/api/v1/leads/", {"cursor": "abc"}).status_code == 404


def test_me_answers_the_caller(org, api):
    body = api("rep3").get("/api/v1/users/me/").json()
    assert (body["id"], body["username"], body["role"], body["team"]) == (
        org.rep3.pk,
        "rep3",
        "rep",
        org.team2.pk,
    )


def test_users_lists_the_users_this_user_may_see(org, api):
    def names(who):
        return {
            row["username"]
            for row in api(who).get("/api/v1/users/", {"page_size": 200}).json()["results"]
        }

    assert names("rep1") == {"manager", "rep1", "rep2", "solution", "delivery"}
    assert names("rep3") == {"rep3"}
    assert names("marketing") == {
        "admin",
        "manager",
        "marketing",
        "rep1",
        "rep2",
        "rep3",
        "solution",
        "delivery",
        "finance",
        "erp",
    }
    assert api("rep1").get(f"/api/v1/users/{org.rep3.pk}/").status_code == 404
