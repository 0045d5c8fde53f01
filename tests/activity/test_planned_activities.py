"""Planned activities: planned on any record, completed with an outcome through the record's own
rule (a lead's follow-up, a deal's visit), scoped per role, through the service, API and UI."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ltc.activity import services
from ltc.activity.models import Activity, PlannedActivity, PlannedState
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from opportunities.models import Opportunity

from ..conftest import ROLES
from ..factories import CustomerFactory, held_lead, opportunity
from ..pages import deal_page

pytestmark = pytest.mark.django_db


def plan(by, obj, key, *, kind="visit", due_in=timedelta(hours=2), **fields):
    return services.plan_activity(
        by=by,
        subject_type=key,
        subject_id=obj.pk,
        kind=kind,
        title=fields.pop("title", "See the plant manager"),
        due_at=timezone.now() + due_in,
        **fields,
    )


def test_a_completed_visit_on_a_deal_is_logged_and_restarts_its_cadence(org):
    deal = opportunity(org.rep1)
    planned = plan(org.rep1, deal, "opportunity")

    done = services.complete_planned_activity(
        planned=planned, user=org.rep1, outcome="Agreed on a pilot line"
    )

    assert done.state == PlannedState.DONE
    assert done.activity.kind == "visit"
    assert "Agreed on a pilot line" in done.activity.note
    assert done.activity.subject == deal
    assert Opportunity.objects.get(pk=deal.pk).last_visit_at == done.completed_at


def test_a_completed_call_on_a_lead_is_its_follow_up(org):
    lead = held_lead(org.rep1, due_in=timedelta(hours=1))
    before = lead.follow_up_due_at
    planned = plan(org.rep1, lead, "lead", kind="call")

    services.complete_planned_activity(planned=planned, user=org.rep1, outcome="Budget confirmed")

    lead.refresh_from_db()
    assert lead.follow_up_count == 1
    assert lead.follow_up_due_at > before
    assert Activity.objects.filter(object_id=lead.pk, kind="call").count() == 1


def test_a_to_do_on_a_lead_is_logged_without_counting_as_a_follow_up(org):
    lead = held_lead(org.rep1)
    planned = plan(org.rep1, lead, "lead", kind="todo")
    services.complete_planned_activity(planned=planned, user=org.rep1, outcome="Sent the brochure")
    lead.refresh_from_db()
    assert lead.follow_up_count == 0
    assert PlannedActivity.objects.get(pk=planned.pk).activity.kind == "todo"


def test_an_activity_on_a_customer_is_logged_on_the_customer(org):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    planned = plan(org.rep1, customer, "customer", kind="meeting")
    done = services.complete_planned_activity(planned=planned, user=org.rep1, outcome="Met")
    assert done.activity.subject == customer


def test_a_completed_activity_is_not_completed_twice(org):
    planned = plan(org.rep1, opportunity(org.rep1), "opportunity")
    services.complete_planned_activity(planned=planned, user=org.rep1, outcome="Done")
    with pytest.raises(TransitionRefused):
        services.complete_planned_activity(planned=planned, user=org.rep1, outcome="Again")
    assert Activity.objects.count() == 1


def test_the_outcome_is_required(org):
    planned = plan(org.rep1, opportunity(org.rep1), "opportunity")
    with pytest.raises(InvalidInput) as refused:
        services.complete_planned_activity(planned=planned, user=org.rep1, outcome="  ")
    assert refused.value.field == "outcome"


def test_someone_else_may_not_complete_it(org):
    planned = plan(org.rep1, opportunity(org.rep1), "opportunity")
    with pytest.raises(NotAllowed):
        services.complete_planned_activity(planned=planned, user=org.rep2, outcome="x")


def test_a_manager_plans_for_their_team_but_a_rep_not_for_a_colleague(org):
    deal = opportunity(org.rep1)
    planned = plan(org.manager, deal, "opportunity", owner=org.rep1)
    assert planned.owner == org.rep1
    assert org.rep1.notifications.filter(kind="activity_planned").count() == 1
    with pytest.raises(InvalidInput) as refused:
        plan(org.rep1, deal, "opportunity", owner=org.rep2)
    assert refused.value.field == "owner"


def test_nothing_is_planned_on_a_record_the_user_may_not_see(org):
    deal = opportunity(org.rep1)
    with pytest.raises(InvalidInput) as refused:
        plan(org.rep3, deal, "opportunity")
    assert refused.value.field == "subject_id"


# Who sees a rep's planned visit on their deal: the owner, the managers above the owner's team,
# the people who see the deal, company-wide roles.
SEES_REP1_VISIT = {
    "admin": True,
    "manager": True,
    "marketing": False,
    "rep1": True,
    "rep2": False,
    "rep3": False,
    "solution": True,  # in the deal's iron triangle
    "delivery": False,
    "finance": False,
    "integration": True,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_planned_visit_through_the_api(org, api, role):
    deal = opportunity(org.rep1, solution_owner=org.solution)
    planned = plan(org.rep1, deal, "opportunity")

    listed = api(role).get("/api/v1/planned-activities/")
    detail = api(role).get(f"/api/v1/planned-activities/{planned.pk}/")

    assert listed.status_code == 200
    ids = [row["id"] for row in listed.json()["results"]]
    assert (planned.pk in ids) is SEES_REP1_VISIT[role]
    assert detail.status_code == (200 if SEES_REP1_VISIT[role] else 404)


def test_the_api_plans_and_completes_an_activity(org, api):
    deal = opportunity(org.rep1)
    due = (timezone.now() + timedelta(days=1)).isoformat()
    created = api("rep1").post(
        "/api/v1/planned-activities/",
        {
            "subject_type": "opportunity",
            "subject_id": deal.pk,
            "kind": "visit",
            "title": "Plant tour",
            "due_at": due,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["subject_type"] == "opportunity" and body["state"] == "planned"
    assert body["overdue"] is False

    missing = api("rep1").post(f"/api/v1/planned-activities/{body['id']}/complete/", {})
    assert missing.status_code == 400 and "outcome" in missing.json()

    done = api("rep1").post(
        f"/api/v1/planned-activities/{body['id']}/complete/", {"outcome": "Toured"}
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    again = api("rep1").post(
        f"/api/v1/planned-activities/{body['id']}/complete/", {"outcome": "Toured"}
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"subject_type": "spaceship"}, "subject_type"),
        ({"subject_id": 999999}, "subject_id"),
        ({"kind": "lunch"}, "kind"),
        ({"due_at": "tomorrow"}, "due_at"),
        ({"title": ""}, "title"),
        ({"owner": 999999}, "owner"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(org, api, payload, field):
    deal = opportunity(org.rep1)
    body = {
        "subject_type": "opportunity",
        "subject_id": deal.pk,
        "kind": "call",
        "title": "Call",
        "due_at": timezone.now().isoformat(),
        **payload,
    }
    response = api("rep1").post("/api/v1/planned-activities/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_the_api_list_runs_a_bounded_number_of_queries(org, api, django_assert_max_num_queries):
    deal = opportunity(org.rep1)
    for i in range(15):
        plan(org.rep1, deal, "opportunity", title=f"Visit {i}")
    client = api("manager")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/planned-activities/")
    assert response.json()["count"] == 15


# The browser: the panel on every record page ---------------------------------------------------
def test_every_record_page_has_the_plan_panel(org, browser_as):
    from ..contracts.steps import draft, signing_deal

    deal = signing_deal(org.rep1)
    contract = draft(deal, org.rep1)
    lead = held_lead(org.rep1)
    client = browser_as("rep1")
    for url in [
        reverse("opportunities:detail", args=[deal.pk]),
        reverse("leads:detail", args=[lead.pk]),
        reverse("contracts:contract_detail", args=[contract.pk]),
        reverse("customers:detail", args=[deal.customer_id]),
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        # The deal page loads its plan panel right after the page (htmx, tests/pages.py).
        html = deal_page(client, deal.pk) if url.startswith("/opportunities/") else page.content
        html = html if isinstance(html, str) else html.decode()
        assert 'id="plans"' in html, url
        assert reverse("activity:plan") in html, url


def test_planning_and_completing_from_the_deal_page_with_htmx(org, browser_as):
    deal = opportunity(org.rep1)
    client = browser_as("rep1")
    due = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("activity:plan"),
        {
            "subject_type": "opportunity",
            "subject_id": deal.pk,
            "kind": "visit",
            "title": "<b>Tour</b>",
            "due_at": due,
            "duration_minutes": 60,
            "owner": org.rep1.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;Tour&lt;/b&gt;" in html  # escaped
    assert 'class="overdue"' in html  # due an hour ago: red
    planned = PlannedActivity.objects.get()

    response = client.post(
        reverse("activity:complete", args=[planned.pk]),
        {"outcome": "Went well"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Went well" in response.content.decode()
    planned.refresh_from_db()
    assert planned.state == PlannedState.DONE


def test_a_plan_form_error_names_the_field(org, browser_as):
    deal = opportunity(org.rep1)
    response = browser_as("rep1").post(
        reverse("activity:plan"),
        {"subject_type": "opportunity", "subject_id": deal.pk, "kind": "visit", "title": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "due" in response.content.decode()
    assert not PlannedActivity.objects.exists()


def test_an_invisible_activity_cannot_be_completed_from_the_browser(org, browser_as):
    planned = plan(org.rep1, opportunity(org.rep1), "opportunity")
    response = browser_as("rep3").post(
        reverse("activity:complete", args=[planned.pk]), {"outcome": "x"}
    )
    assert response.status_code == 404


def test_the_deal_page_with_planned_activities_runs_bounded_queries(
    org, browser_as, django_assert_max_num_queries
):
    deal = opportunity(org.rep1)
    client = browser_as("rep1")
    url = reverse("opportunities:detail", args=[deal.pk])
    client.get(url)
    plan(org.rep1, deal, "opportunity")
    with django_assert_max_num_queries(200) as few:
        client.get(url)
    for i in range(10):
        plan(org.rep1, deal, "opportunity", title=f"Visit {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_due_date_outside_the_calendar_is_refused(org):
    from datetime import datetime

    deal = opportunity(org.rep1)
    with pytest.raises(InvalidInput) as refused:
        services.plan_activity(
            by=org.rep1,
            subject_type="opportunity",
            subject_id=deal.pk,
            kind="call",
            title="Far away",
            due_at=timezone.make_aware(datetime(9999, 12, 31, 12)),
        )
    assert refused.value.field == "due_at"
