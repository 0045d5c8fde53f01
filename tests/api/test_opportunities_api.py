"""The opportunity chain through the API: conversion, the checklist, gates refused with every
missing item, the triangle's reviews, the fast track, closing, and bounded lists."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities.models import Opportunity, Review, Stage

from ..factories import ContactFactory, CustomerFactory, held_lead, opportunity

URL = "/api/v1/opportunities/"


def close_date() -> str:
    return (timezone.localdate() + timedelta(days=120)).isoformat()


def codes(body) -> set[str]:
    return {item["code"] for item in body["missing"]}


def unmet(checklist) -> set[str]:
    return {item["code"] for item in checklist["requirements"] if not item["met"]}


def validated_lead(owner, **kwargs):
    return held_lead(
        owner,
        state="validated",
        need="A new production line",
        budget_confirmed=True,
        contact_name="Li Si",
        **kwargs,
    )


def convert(client, lead, amount="6000000.00", **extra):
    body = {
        "opportunity_name": "Line 3 automation",
        "amount": amount,
        "expected_close_date": close_date(),
        **extra,
    }
    return client.post(f"/api/v1/leads/{lead.pk}/convert/", body, format="json")


def complete(client, opp_id, code):
    return client.post(f"{URL}{opp_id}/tasks/{code}/complete/", {"note": "done"}, format="json")


def add_to_chain(client, opp_id, contact_id, role="decision_maker", attitude="supporter"):
    return client.post(
        f"{URL}{opp_id}/decision-chain/",
        {"contact": contact_id, "role": role, "attitude": attitude},
        format="json",
    )


# --- The SPEC table end to end: an A deal ------------------------------------------------------
def test_a_deal_goes_from_lead_to_needs_analysis_through_the_api(org, api):
    rep1, manager = api("rep1"), api("manager")
    lead = validated_lead(org.rep1)

    converted = convert(rep1, lead)
    assert converted.status_code == 201, converted.content
    opp_id, customer_id = converted.json()["opportunity"], converted.json()["customer"]
    assert converted.json()["grade"] == "A"

    opp = rep1.get(f"{URL}{opp_id}/").json()
    assert opp["stage"] == "verify" and opp["state"] == "open" and opp["grade"] == "A"
    assert opp["lead"] == lead.pk and opp["customer"] == customer_id
    assert opp["owner"] == org.rep1.pk and opp["owner_name"] == str(org.rep1)
    assert opp["probability"] == 10 and opp["days_in_stage"] == 0

    checklist = rep1.get(f"{URL}{opp_id}/checklist/").json()
    assert checklist["stage"] == "verify" and checklist["next_stage"] == "approval"
    assert checklist["can_jump_to"] is None  # grade A goes stage by stage
    assert unmet(checklist) == {"decision_chain", "verify_need"}
    assert {i["kind"] for i in checklist["requirements"]} == {"field", "task"}

    refused = rep1.post(f"{URL}{opp_id}/advance/", {}, format="json")
    assert refused.status_code == 409
    assert codes(refused.json()) == {"decision_chain", "verify_need"}

    # The conversion made a contact from the lead's person: put them on the decision chain.
    contacts = rep1.get(f"/api/v1/contacts/?customer={customer_id}").json()["results"]
    assert [c["name"] for c in contacts] == ["Li Si"]
    assert add_to_chain(rep1, opp_id, contacts[0]["id"]).status_code == 201
    assert complete(rep1, opp_id, "verify_need").status_code == 200

    advanced = rep1.post(f"{URL}{opp_id}/advance/", {}, format="json")
    assert advanced.status_code == 200, advanced.content
    assert advanced.json()["stage"] == "approval" and advanced.json()["probability"] == 20

    refused = rep1.post(f"{URL}{opp_id}/advance/", {}, format="json")
    assert refused.status_code == 409
    assert codes(refused.json()) == {"project_approval", "solution_owner", "fulfillment_owner"}

    patched = rep1.patch(
        f"{URL}{opp_id}/",
        {"solution_owner": org.solution.pk, "fulfillment_owner": org.delivery.pk},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["solution_owner_name"] == str(org.solution)

    review = rep1.post(
        f"{URL}{opp_id}/reviews/",
        {"kind": "project_approval", "relationship_assessment": "The CTO backs us."},
        format="json",
    )
    assert review.status_code == 201, review.content
    review_id = review.json()["id"]
    assert review.json()["state"] == "pending"

    early = manager.post(f"/api/v1/reviews/{review_id}/approve/", {}, format="json")
    assert early.status_code == 409
    assert codes(early.json()) == {"solution_assessment", "delivery_assessment"}

    assert (
        api("solution")
        .post(
            f"/api/v1/reviews/{review_id}/assess/",
            {"solution_assessment": "Fits our line."},
            format="json",
        )
        .status_code
        == 200
    )
    # Each member writes their own part: the SR cannot write the FR's.
    assert (
        api("solution")
        .post(f"/api/v1/reviews/{review_id}/assess/", {"delivery_assessment": "x"}, format="json")
        .status_code
        == 403
    )
    assert (
        api("delivery")
        .post(
            f"/api/v1/reviews/{review_id}/assess/",
            {"delivery_assessment": "Deliverable."},
            format="json",
        )
        .status_code
        == 200
    )
    assert [r["id"] for r in manager.get("/api/v1/reviews/?to_decide=true").json()["results"]] == [
        review_id
    ]
    assert rep1.get("/api/v1/reviews/?to_decide=true").json()["count"] == 0
    # The AR does not approve their own deal's review.
    assert rep1.post(f"/api/v1/reviews/{review_id}/approve/", {}, format="json").status_code == 403

    approved = manager.post(
        f"/api/v1/reviews/{review_id}/approve/", {"comment": "Go"}, format="json"
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["decided_by"] == org.manager.pk
    assert approved.json()["duration_seconds"] is not None

    advanced = rep1.post(f"{URL}{opp_id}/advance/", {}, format="json")
    assert advanced.status_code == 200, advanced.content
    assert advanced.json()["stage"] == "needs_analysis" and advanced.json()["probability"] == 30

    history = rep1.get(f"{URL}{opp_id}/history/").json()
    assert [h["stage"] for h in history["stages"]] == ["verify", "approval", "needs_analysis"]
    assert history["stages"][0]["exited_at"] and history["stages"][-1]["exited_at"] is None
    assert {e["code"] for e in history["stages"][-1]["evidence"]} >= {"project_approval"}
    assert history["stages"][-1]["entered_by"] == org.rep1.pk
    assert [g["to_grade"] for g in history["grades"]] == ["A"]

    # The customer of the deal is now visible to its SR and FR.
    assert api("solution").get(f"/api/v1/customers/{customer_id}/").status_code == 200
    assert api("delivery").get(f"/api/v1/customers/{customer_id}/").status_code == 200
    assert api("rep2").get(f"/api/v1/customers/{customer_id}/").status_code == 404


def test_converting_a_lead_links_an_existing_visible_customer(org, api):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    lead = validated_lead(org.rep1)
    response = convert(api("rep1"), lead, amount="300000", customer=customer.pk)
    assert response.status_code == 201
    assert response.json()["customer"] == customer.pk and response.json()["grade"] == "C"
    assert convert(api("rep1"), lead).status_code == 409  # converted already


def test_converting_refuses_an_invisible_customer_and_an_invisible_lead(org, api):
    lead = validated_lead(org.rep1)
    foreign = CustomerFactory(owner=org.rep3, team=org.team2)
    assert convert(api("rep1"), lead, customer=foreign.pk).status_code == 400
    assert convert(api("rep3"), lead).status_code == 404
    assert convert(api("rep1"), lead, amount="-5").status_code == 400
    assert Opportunity.objects.count() == 0


# --- The fast track ---------------------------------------------------------------------------
def test_a_c_deal_jumps_from_the_first_stage_to_negotiation_once_its_requirements_are_met(org, api):
    rep1 = api("rep1")
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    contact = ContactFactory(customer=opp.customer)
    assert opp.grade == "C"

    checklist = rep1.get(f"{URL}{opp.pk}/checklist/").json()
    assert checklist["can_jump_to"] == "negotiation" and checklist["next_stage"] == "approval"

    jump = rep1.get(f"{URL}{opp.pk}/checklist/?to_stage=negotiation").json()
    assert jump["to_stage"] == "negotiation"
    assert unmet(jump) == {
        "decision_chain",
        "verify_need",
        "decision_maker",
        "fulfillment_owner",
        "commercial_agreement",
    }

    refused = rep1.post(f"{URL}{opp.pk}/advance/", {"to_stage": "negotiation"}, format="json")
    assert refused.status_code == 409
    assert codes(refused.json()) == unmet(jump)

    assert add_to_chain(rep1, opp.pk, contact.pk).status_code == 201
    assert (
        rep1.patch(
            f"{URL}{opp.pk}/", {"fulfillment_owner": org.delivery.pk}, format="json"
        ).status_code
        == 200
    )
    assert complete(rep1, opp.pk, "verify_need").status_code == 200
    assert complete(rep1, opp.pk, "commercial_agreement").status_code == 200
    assert unmet(rep1.get(f"{URL}{opp.pk}/checklist/?to_stage=negotiation").json()) == set()

    jumped = rep1.post(f"{URL}{opp.pk}/advance/", {"to_stage": "negotiation"}, format="json")
    assert jumped.status_code == 200, jumped.content
    assert jumped.json()["stage"] == "negotiation" and jumped.json()["probability"] == 80


def _ready_to_jump(org, client, opp):
    contact = ContactFactory(customer=opp.customer)
    add_to_chain(client, opp.pk, contact.pk)
    client.patch(f"{URL}{opp.pk}/", {"fulfillment_owner": org.delivery.pk}, format="json")
    complete(client, opp.pk, "verify_need")
    complete(client, opp.pk, "commercial_agreement")


def test_a_b_deal_is_refused_the_same_jump_with_a_track_item(org, api):
    rep1 = api("rep1")
    opp = opportunity(org.rep1, amount=Decimal("2000000"))
    _ready_to_jump(org, rep1, opp)

    checklist = rep1.get(f"{URL}{opp.pk}/checklist/?to_stage=negotiation").json()
    assert checklist["can_jump_to"] is None
    assert [i for i in checklist["requirements"] if i["kind"] == "track"][0]["met"] is False

    refused = rep1.post(f"{URL}{opp.pk}/advance/", {"to_stage": "negotiation"}, format="json")
    assert refused.status_code == 409
    assert codes(refused.json()) == {"track"}


def test_a_c_deal_regraded_to_a_by_a_manager_can_no_longer_jump(org, api):
    rep1 = api("rep1")
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    _ready_to_jump(org, rep1, opp)

    assert (
        rep1.post(
            f"{URL}{opp.pk}/regrade/", {"grade": "A", "reason": "Flagship"}, format="json"
        ).status_code
        == 403
    )
    regraded = api("manager").post(
        f"{URL}{opp.pk}/regrade/", {"grade": "A", "reason": "Flagship"}, format="json"
    )
    assert regraded.status_code == 200, regraded.content
    assert regraded.json()["grade"] == "A" and regraded.json()["grade_raised"] is True

    assert rep1.get(f"{URL}{opp.pk}/checklist/").json()["can_jump_to"] is None
    refused = rep1.post(f"{URL}{opp.pk}/advance/", {"to_stage": "negotiation"}, format="json")
    assert refused.status_code == 409 and codes(refused.json()) == {"track"}
    history = rep1.get(f"{URL}{opp.pk}/history/").json()
    assert [(g["from_grade"], g["to_grade"]) for g in history["grades"]] == [("", "C"), ("C", "A")]


def test_regrade_refuses_a_lower_grade_and_a_missing_reason(org, api):
    opp = opportunity(org.rep1, amount=Decimal("2000000"))
    manager = api("manager")
    assert (
        manager.post(
            f"{URL}{opp.pk}/regrade/", {"grade": "C", "reason": "x"}, format="json"
        ).status_code
        == 400
    )
    assert manager.post(f"{URL}{opp.pk}/regrade/", {"grade": "A"}, format="json").status_code == 400
    assert (
        manager.post(
            f"{URL}{opp.pk}/regrade/", {"grade": "Z", "reason": "x"}, format="json"
        ).status_code
        == 400
    )


# --- Create, read, edit ----------------------------------------------------------------------
def test_create_grades_by_amount_and_a_partner_makes_it_e(org, api):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    body = {
        "customer": customer.pk,
        "name": "Boiler retrofit",
        "amount": "1500000",
        "currency": "CNY",
        "expected_close_date": close_date(),
        "needs": "Lower energy costs",
        "solution_owner": org.solution.pk,
        "value_proposition": "20% less gas",
    }
    created = api("rep1").post(URL, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["grade"], data["stage"], data["state"], data["process"]) == (
        "B",
        "verify",
        "open",
        "default",
    )
    assert data["owner"] == org.rep1.pk and data["solution_owner"] == org.solution.pk
    assert data["value_proposition"] == "20% less gas" and data["customer_name"] == customer.name

    partner = api("rep1").post(
        URL, {**body, "name": "Via agent", "partner": "Agent Co"}, format="json"
    )
    assert partner.status_code == 201
    assert (partner.json()["grade"], partner.json()["stage"]) == ("E", "registered")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"amount": "-100"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"expected_close_date": "soon"}, "expected_close_date"),
        ({"customer": 999999}, "customer"),
        ({"state": "won"}, "state"),
        ({"stage": "negotiation"}, "stage"),
        ({"grade": "A"}, "grade"),
    ],
)
def test_create_refuses_bad_input(org, api, change, field):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    body = {
        "customer": customer.pk,
        "name": "Deal",
        "amount": "500000",
        "expected_close_date": close_date(),
        **change,
    }
    response = api("rep1").post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Opportunity.objects.count() == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"state": "won"}, "state"),
        ({"stage": "negotiation"}, "stage"),
        ({"grade": "A"}, "grade"),
        ({"amount": "-1"}, "amount"),
        ({"solution_owner": "nobody"}, "solution_owner"),
        ({"customer": None}, "customer"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(org, api, change, field):
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    response = api("rep1").patch(f"{URL}{opp.pk}/", change, format="json")
    assert response.status_code == 400
    assert field in response.json()
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.state, fresh.stage_id, fresh.grade, fresh.amount) == (
        opp.state,
        opp.stage_id,
        "C",
        opp.amount,
    )


def test_patch_refuses_a_triangle_member_of_the_wrong_role_and_a_new_customer(org, api):
    opp = opportunity(org.rep1)
    assert (
        api("rep1")
        .patch(f"{URL}{opp.pk}/", {"solution_owner": org.rep2.pk}, format="json")
        .status_code
        == 400
    )
    other = CustomerFactory(owner=org.rep1, team=org.team1)
    response = api("rep1").patch(f"{URL}{opp.pk}/", {"customer": other.pk}, format="json")
    assert response.status_code == 400 and "customer" in response.json()


def test_patch_of_the_amount_regrades_and_put_accepts_the_full_representation(org, api):
    rep1 = api("rep1")
    opp = opportunity(org.rep1, amount=Decimal("300000"))
    patched = rep1.patch(f"{URL}{opp.pk}/", {"amount": "5500000", "needs": "More"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["grade"], patched.json()["needs"]) == ("A", "More")

    body = {k: v for k, v in patched.json().items() if k not in {"state", "stage", "grade"}}
    body["name"] = "Renamed"
    put = rep1.put(f"{URL}{opp.pk}/", body, format="json")
    assert put.status_code == 200, put.content
    assert put.json()["name"] == "Renamed"


def test_the_probability_is_read_only(org, api):
    opp = opportunity(org.rep1)
    response = api("rep1").patch(f"{URL}{opp.pk}/", {"probability": 99}, format="json")
    assert response.status_code == 200 and response.json()["probability"] == 10


def test_advance_to_an_unknown_or_earlier_stage_is_bad_input(org, api):
    opp = opportunity(org.rep1, stage_code="approval")
    rep1 = api("rep1")
    unknown = rep1.post(f"{URL}{opp.pk}/advance/", {"to_stage": "moon"}, format="json")
    assert unknown.status_code == 400 and "to_stage" in unknown.json()
    assert (
        rep1.post(f"{URL}{opp.pk}/advance/", {"to_stage": "verify"}, format="json").status_code
        == 400
    )
    assert rep1.get(f"{URL}{opp.pk}/checklist/?to_stage=moon").status_code == 400


def test_the_last_stage_has_no_next_stage(org, api):
    opp = opportunity(org.rep1, stage_code="negotiation")
    checklist = api("rep1").get(f"{URL}{opp.pk}/checklist/").json()
    assert checklist.pop("track")  # the rule in words (tests/opportunities/test_tracks.py)
    assert checklist == {
        "stage": "negotiation",
        "grade": "C",
        "next_stage": None,
        "to_stage": None,
        "can_jump_to": None,
        "requirements": [],
    }
    assert api("rep1").post(f"{URL}{opp.pk}/advance/", {}, format="json").status_code == 400


def test_list_filters_and_searches(org, api):
    a = opportunity(org.rep1, amount=Decimal("6000000"), name="Steel mill")
    c = opportunity(org.rep1, amount=Decimal("300000"), name="Pump", stage_code="approval")
    opportunity(org.rep3, amount=Decimal("300000"), name="Steel of team 2")
    rep1 = api("rep1")

    def ids(query):
        response = rep1.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {a.pk, c.pk}
    assert ids("q=steel") == {a.pk}
    assert ids(f"q={c.customer.name[:12]}") >= {c.pk}
    assert ids("grade=A") == {a.pk}
    assert ids("stage=approval") == {c.pk}
    assert ids("state=open") == {a.pk, c.pk}
    assert ids("state=won") == set()
    assert ids(f"owner={org.rep1.pk}&customer={a.customer_id}") == {a.pk}
    assert ids(f"team={org.team1.pk}") == {a.pk, c.pk}
    soon = (timezone.localdate() + timedelta(days=100)).isoformat()
    assert ids(f"expected_close_date_before={soon}") == {a.pk, c.pk}
    assert ids(f"expected_close_date_after={soon}") == set()
    ordered = rep1.get(f"{URL}?ordering=amount").json()["results"]
    assert [row["id"] for row in ordered] == [c.pk, a.pk]
    assert rep1.get(f"{URL}?state=nonsense").status_code == 400


# --- Tasks, reviews, chain, competitors, activities ----------------------------------------------
def test_tasks_list_and_completion(org, api):
    opp = opportunity(org.rep1)
    rep1 = api("rep1")
    tasks = rep1.get(f"{URL}{opp.pk}/tasks/").json()
    assert {t["code"] for t in tasks} == {
        "verify_need",
        "commercial_agreement",
    }  # C: the jump's too
    done = complete(rep1, opp.pk, "verify_need")
    assert done.status_code == 200
    assert done.json()["done_by"] == org.rep1.pk and done.json()["note"] == "done"
    assert complete(rep1, opp.pk, "verify_need").status_code == 409  # already done
    assert complete(rep1, opp.pk, "no_such_task").status_code == 400
    # An SR task belongs to the SR (or a manager), not to the AR.
    assert complete(rep1, opp.pk, "needs_research").status_code == 403


def test_a_second_pending_review_of_the_same_kind_is_refused_and_a_rejection_needs_a_comment(
    org, api
):
    opp = opportunity(org.rep1, solution_owner=org.solution)
    rep1, manager = api("rep1"), api("manager")
    first = rep1.post(f"{URL}{opp.pk}/reviews/", {"kind": "project_approval"}, format="json")
    assert first.status_code == 201
    assert (
        rep1.post(
            f"{URL}{opp.pk}/reviews/", {"kind": "project_approval"}, format="json"
        ).status_code
        == 409
    )
    assert rep1.post(f"{URL}{opp.pk}/reviews/", {"kind": "lunch"}, format="json").status_code == 400
    review_id = first.json()["id"]
    assert (
        manager.post(f"/api/v1/reviews/{review_id}/reject/", {}, format="json").status_code == 400
    )
    rejected = manager.post(
        f"/api/v1/reviews/{review_id}/reject/", {"comment": "No budget"}, format="json"
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert rejected.json()["duration_seconds"] is not None
    assert [r["id"] for r in rep1.get(f"{URL}{opp.pk}/reviews/").json()] == [review_id]
    assert rep1.get("/api/v1/reviews/?state=rejected&kind=project_approval").json()["count"] == 1
    assert rep1.get("/api/v1/reviews/?state=pending").json()["count"] == 0
    assert rep1.get(f"/api/v1/reviews/{review_id}/").json()["comment"] == "No budget"


def test_decision_chain_takes_only_contacts_of_the_deals_customer(org, api):
    opp = opportunity(org.rep1)
    rep1 = api("rep1")
    mine = ContactFactory(customer=opp.customer)
    elsewhere = ContactFactory(customer=CustomerFactory(owner=org.rep1, team=org.team1))
    invisible = ContactFactory(customer=CustomerFactory(owner=org.rep3, team=org.team2))
    assert add_to_chain(rep1, opp.pk, elsewhere.pk).status_code == 400
    assert add_to_chain(rep1, opp.pk, invisible.pk).status_code == 400
    assert add_to_chain(rep1, opp.pk, mine.pk, role="chief").status_code == 400
    assert (
        add_to_chain(rep1, opp.pk, mine.pk, role="technical", attitude="neutral").status_code == 201
    )
    assert add_to_chain(rep1, opp.pk, mine.pk).status_code == 201  # the same contact is updated
    chain = rep1.get(f"{URL}{opp.pk}/decision-chain/").json()
    assert [(m["contact"], m["role"], m["attitude"]) for m in chain] == [
        (mine.pk, "decision_maker", "supporter")
    ]


def test_competitors_and_activities(org, api):
    opp = opportunity(org.rep1, solution_owner=org.solution)
    rep1 = api("rep1")
    added = rep1.post(
        f"{URL}{opp.pk}/competitors/", {"name": "Rival AG", "strengths": "Price"}, format="json"
    )
    assert added.status_code == 201
    assert rep1.post(f"{URL}{opp.pk}/competitors/", {"name": ""}, format="json").status_code == 400
    assert [c["name"] for c in rep1.get(f"{URL}{opp.pk}/competitors/").json()] == ["Rival AG"]

    call = api("solution").post(
        f"{URL}{opp.pk}/activities/", {"kind": "call", "note": "Specs"}, format="json"
    )
    assert call.status_code == 201
    assert Opportunity.objects.get(pk=opp.pk).last_visit_at is None
    visit = rep1.post(
        f"{URL}{opp.pk}/activities/", {"kind": "visit", "note": "Met the CTO"}, format="json"
    )
    assert visit.status_code == 201
    assert rep1.get(f"{URL}{opp.pk}/").json()["last_visit_at"] is not None
    assert (
        rep1.post(
            f"{URL}{opp.pk}/activities/", {"kind": "fax", "note": "x"}, format="json"
        ).status_code
        == 400
    )
    assert (
        rep1.post(
            f"{URL}{opp.pk}/activities/", {"kind": "call", "note": ""}, format="json"
        ).status_code
        == 400
    )
    assert [a["kind"] for a in rep1.get(f"{URL}{opp.pk}/activities/").json()] == ["visit", "call"]


# --- Closing ---------------------------------------------------------------------------------
def test_losing_needs_a_reason_and_lessons_then_the_deal_is_lost(org, api):
    opp = opportunity(org.rep1)
    rep1 = api("rep1")
    refused = rep1.post(f"{URL}{opp.pk}/lose/", {}, format="json")
    assert refused.status_code == 409 and codes(refused.json()) == {"loss_reason", "lessons"}
    assert (
        rep1.post(
            f"{URL}{opp.pk}/lose/", {"reason": "bored", "lessons": "x"}, format="json"
        ).status_code
        == 400
    )
    lost = rep1.post(
        f"{URL}{opp.pk}/lose/",
        {"reason": "price", "competitor": "Rival AG", "lessons": "Quote earlier"},
        format="json",
    )
    assert lost.status_code == 200
    assert (lost.json()["state"], lost.json()["probability"], lost.json()["loss_competitor"]) == (
        "lost",
        0,
        "Rival AG",
    )
    again = rep1.post(f"{URL}{opp.pk}/abandon/", {"reason": "price", "lessons": "x"}, format="json")
    assert again.status_code == 409
    assert rep1.patch(f"{URL}{opp.pk}/", {"needs": "x"}, format="json").status_code == 409


def test_abandon(org, api):
    opp = opportunity(org.rep1)
    response = api("manager").post(
        f"{URL}{opp.pk}/abandon/", {"reason": "budget", "lessons": "Qualify"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "abandoned"


def test_only_partner_deals_are_won_by_the_win_action(org, api):
    rep1, manager = api("rep1"), api("manager")
    own = opportunity(org.rep1, stage_code="negotiation")
    refused = rep1.post(f"{URL}{own.pk}/win/", {}, format="json")
    assert refused.status_code == 409 and codes(refused.json()) == {"contract_signed"}

    partner = opportunity(org.rep1, partner="Agent Co")
    assert (
        rep1.post(f"{URL}{partner.pk}/win/", {}, format="json").status_code == 409
    )  # not approved yet
    review = rep1.post(
        f"{URL}{partner.pk}/reviews/",
        {"kind": "registration", "relationship_assessment": "ok"},
        format="json",
    ).json()
    manager.post(
        f"/api/v1/reviews/{review['id']}/assess/",
        {"solution_assessment": "ok", "delivery_assessment": "ok"},
        format="json",
    )
    assert (
        manager.post(f"/api/v1/reviews/{review['id']}/approve/", {}, format="json").status_code
        == 200
    )
    assert rep1.post(f"{URL}{partner.pk}/advance/", {}, format="json").json()["stage"] == "approved"
    won = rep1.post(f"{URL}{partner.pk}/win/", {}, format="json")
    assert (
        won.status_code == 200 and won.json()["state"] == "won" and won.json()["probability"] == 100
    )


# --- Stages ----------------------------------------------------------------------------------
def test_stages_of_the_default_and_the_partner_process(org, api):
    stages = api("finance").get("/api/v1/stages/").json()
    assert [s["code"] for s in stages] == [
        "verify",
        "approval",
        "needs_analysis",
        "value_presentation",
        "bid_preparation",
        "bidding",
        "negotiation",
    ]
    approval = stages[1]
    assert (approval["probability"], approval["cadence_days"]) == (20, 30)
    verify_need = next(r for r in approval["requirements"] if r["code"] == "verify_need")
    assert (verify_need["kind"], verify_need["role"], verify_need["fast_track"]) == (
        "task",
        "ar",
        True,
    )
    assert verify_need["label"]
    assert stages[-1]["is_signing"] is True
    partner = api("rep1").get("/api/v1/stages/?process=partner").json()
    assert [s["code"] for s in partner] == ["registered", "approved"]
    assert api("rep1").get("/api/v1/stages/?process=nope").status_code == 404


# --- Visibility --------------------------------------------------------------------------------
def test_a_rep_of_another_team_sees_nothing_of_the_deal(org, api):
    opp = opportunity(org.rep1, solution_owner=org.solution)
    review = (
        api("rep1")
        .post(f"{URL}{opp.pk}/reviews/", {"kind": "project_approval"}, format="json")
        .json()
    )
    rep3 = api("rep3")
    for path in [
        "",
        "checklist/",
        "tasks/",
        "reviews/",
        "history/",
        "decision-chain/",
        "competitors/",
        "activities/",
    ]:
        assert rep3.get(f"{URL}{opp.pk}/{path}").status_code == 404, path
    assert rep3.get(f"/api/v1/reviews/{review['id']}/").status_code == 404
    assert (
        rep3.post(f"/api/v1/reviews/{review['id']}/approve/", {}, format="json").status_code == 404
    )
    assert rep3.get("/api/v1/reviews/").json()["count"] == 0
    assert rep3.get(URL).json()["count"] == 0
    assert rep3.get(f"{URL}abc/").status_code == 404


def test_who_may_move_a_deal(org, api):
    opp = opportunity(org.rep1, solution_owner=org.solution)
    assert api("rep2").post(f"{URL}{opp.pk}/advance/", {}, format="json").status_code == 404
    assert api("solution").post(f"{URL}{opp.pk}/advance/", {}, format="json").status_code == 403
    assert api("finance").post(f"{URL}{opp.pk}/advance/", {}, format="json").status_code == 404
    assert api("rep1").post(f"{URL}{opp.pk}/advance/", {}, format="json").status_code == 409


# --- Bounded lists -----------------------------------------------------------------------------
def make_opportunities(org, count: int) -> None:
    process_stage = Stage.objects.select_related("process").get(
        process__is_default=True, code="approval"
    )
    customers = [CustomerFactory(owner=org.rep1, team=org.team1) for _ in range(3)]
    now = timezone.now()
    owners = [org.rep1, org.rep2, org.manager]
    rows = Opportunity.objects.bulk_create(
        [
            Opportunity(
                name=f"Deal {i}",
                customer=customers[i % 3],
                amount=Decimal("300000"),
                currency="CNY",
                expected_close_date=timezone.localdate(),
                grade="C",
                process=process_stage.process,
                stage=process_stage,
                probability=20,
                owner=owners[i % 3],
                solution_owner=org.solution,
                fulfillment_owner=org.delivery,
                team=org.team1,
                stage_entered_at=now,
            )
            for i in range(count)
        ]
    )
    Review.objects.bulk_create(
        [
            Review(
                opportunity=row, kind="project_approval", requested_by=row.owner, requested_at=now
            )
            for row in rows
        ]
    )


# token, the team tree, COUNT(*), the page
LIST_QUERIES = 5


@pytest.mark.parametrize("count", [5, 300])
@pytest.mark.parametrize("role", ["rep1", "manager", "solution"])
@pytest.mark.parametrize(
    "url",
    [
        URL,
        f"{URL}?state=open&grade=C&ordering=-amount",
        f"{URL}?q=deal&stage=approval",
        "/api/v1/reviews/",
        "/api/v1/reviews/?to_decide=true&state=pending",
    ],
)
def test_lists_run_a_bounded_number_of_queries(
    org, api, django_assert_max_num_queries, count, role, url
):
    make_opportunities(org, count)
    client = api(role)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    if "to_decide" in url and role != "manager":
        assert response.json()["count"] == 0  # only a manager decides
    else:
        assert response.json()["count"] >= count // 3


def test_the_stage_list_and_a_checklist_run_a_bounded_number_of_queries(
    org, api, django_assert_max_num_queries
):
    opp = opportunity(org.rep1)
    client = api("rep1")
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/stages/").status_code == 200
    # One opportunity's gate: a fixed cost (stages, requirements, chain, tasks, reviews).
    with django_assert_max_num_queries(16):
        assert client.get(f"{URL}{opp.pk}/checklist/?to_stage=negotiation").status_code == 200
