"""The lead pages in the browser: each role gets what it may see, actions go through the same
services as the API, the state cannot be written by a form or the admin, and lists are bounded."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadState, has_budget_confirmed, has_follow_up, has_need
from ltc.activity.models import Activity

from ..conftest import ROLES
from ..factories import LeadFactory, held_lead

pytestmark = pytest.mark.django_db

PAGES = [
    "home",
    "leads:pool",
    "leads:mine",
    "leads:list",
    "leads:create",
    "leads:import",
    "customers:list",
    "notifications",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_every_role(browser_as, role, page):
    response = browser_as(role).get(reverse(page))
    assert response.status_code == 200


def test_pages_need_a_login(client):
    response = client.get(reverse("leads:pool"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_with_password_lands_on_the_workbench(client, org):
    response = client.post(
        reverse("login"), {"username": "rep1", "password": "demo1234"}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == org.rep1


def test_a_lead_of_another_team_is_404_in_the_browser(browser_as, org):
    lead = held_lead(org.rep3)
    assert browser_as("rep1").get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    assert browser_as("manager").get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    assert browser_as("finance").get(reverse("leads:detail", args=[lead.pk])).status_code == 404


def test_pool_page_lists_claimable_leads_best_score_first(browser_as, org):
    low = LeadFactory(
        pool=org.region_pool, source="social", title="Low lead", estimated_amount=None
    )
    high = LeadFactory(
        pool=org.region_pool, source="referral", title="High lead", budget_confirmed=True
    )
    hidden = LeadFactory(pool=org.team2_pool, title="Team 2 lead")
    response = browser_as("rep1").get(reverse("leads:pool"))
    leads = list(response.context["page"].object_list)
    assert leads == [high, low]
    assert hidden not in leads
    assert "Claim" in response.content.decode() or "认领" in response.content.decode()


def test_claim_from_the_pool_page_makes_the_lead_mine(browser_as, org):
    lead = LeadFactory(pool=org.region_pool)
    client = browser_as("rep1")
    response = client.post(reverse("leads:claim", args=[lead.pk]), follow=True)
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.state == LeadState.ASSIGNED and lead.owner == org.rep1
    assert lead in list(client.get(reverse("leads:mine")).context["page"].object_list)


def test_a_refused_claim_says_why(browser_as, org):
    lead = LeadFactory(pool=org.region_pool)
    browser_as("rep2").post(reverse("leads:claim", args=[lead.pk]))
    response = browser_as("rep1").post(
        reverse("leads:claim", args=[lead.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "This lead is no longer in the pool." in text
    assert "The lead must be in the pool" in text
    lead.refresh_from_db()
    assert lead.owner == org.rep2


def test_follow_up_validate_and_disqualify_through_the_forms(browser_as, org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    client = browser_as("rep1")
    response = client.post(
        reverse("leads:validate", args=[lead.pk]),
        {"need": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    messages = " ".join(str(m) for m in response.context["messages"])
    lead.refresh_from_db()
    assert lead.state == LeadState.ASSIGNED
    # The refusal lists every missing item, not just the first.
    for label in (has_follow_up.label, has_need.label, has_budget_confirmed.label):
        assert str(label) in messages
    client.post(
        reverse("leads:follow_up", args=[lead.pk]), {"kind": "call", "note": "Reached the CIO"}
    )
    assert Activity.objects.filter(object_id=lead.pk).count() == 1
    client.post(
        reverse("leads:validate", args=[lead.pk]),
        {"need": "Replace 40 CNC machines", "budget_confirmed": "on"},
    )
    lead.refresh_from_db()
    assert lead.state == LeadState.VALIDATED
    other = held_lead(org.rep1, pool=org.region_pool)
    client.post(
        reverse("leads:disqualify", args=[other.pk]), {"reason": "no_budget", "note": "frozen"}
    )
    other.refresh_from_db()
    assert other.state == LeadState.DISQUALIFIED and other.disqualify_reason == "no_budget"


def test_the_edit_form_cannot_write_the_state(browser_as, org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    data = {
        "title": "Renamed",
        "company_name": lead.company_name,
        "source": "website",
        "currency": "CNY",
        "state": "converted",
        "owner": org.rep2.pk,
    }
    response = browser_as("rep1").post(reverse("leads:edit", args=[lead.pk]), data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.title == "Renamed"
    assert lead.state == LeadState.ASSIGNED and lead.owner == org.rep1


def test_the_admin_shows_the_state_read_only_and_cannot_change_it(client, org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    client.force_login(org.admin)
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        {
            "title": "Admin edit",
            "state": "converted",
            "currency": "CNY",
            "source": "website",
            "pool": org.region_pool.pk,
        }
    )
    data = {k: v for k, v in data.items() if v is not None}
    client.post(url, data)
    lead.refresh_from_db()
    assert lead.state == LeadState.ASSIGNED


def test_the_model_refuses_a_direct_state_write(org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    lead = Lead.objects.get(pk=lead.pk)
    with pytest.raises(AttributeError):
        lead.state = LeadState.CONVERTED


@pytest.mark.parametrize("rows", [5, 500])
def test_pool_and_list_pages_run_a_bounded_number_of_queries(
    browser_as, org, rows, django_assert_max_num_queries
):
    now = timezone.now()
    Lead.objects.bulk_create(
        [
            Lead(
                title=f"Bulk {i}",
                company_name=f"Bulk {i}",
                source="website",
                pool=org.region_pool,
                score=i,
            )
            for i in range(rows)
        ]
    )
    mine = [
        Lead(
            title=f"Mine {i}",
            company_name=f"Mine {i}",
            source="website",
            pool=org.region_pool,
            owner=org.rep1,
            assigned_at=now,
            follow_up_due_at=now + timedelta(hours=i),
        )
        for i in range(rows)
    ]
    for lead in mine:
        lead.__dict__["state"] = "assigned"
    Lead.objects.bulk_create(mine)
    client = browser_as("rep1")
    for name in ("leads:pool", "leads:mine", "leads:list"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name)).status_code == 200
    # The workbench adds a query or two per panel of every app (tests/ui/test_workbench.py).
    with django_assert_max_num_queries(16):
        assert client.get(reverse("home")).status_code == 200
    manager = browser_as("manager")
    for name in ("leads:pool", "leads:list"):
        with django_assert_max_num_queries(16):
            assert manager.get(reverse(name)).status_code == 200
    # +3: My day, the reviews waiting for one's assessment, the contracts waiting for signature;
    # +1: the complaints waiting for the user.
    with django_assert_max_num_queries(28):
        assert manager.get(reverse("home")).status_code == 200


def test_lead_detail_query_count_does_not_grow_with_its_history(
    browser_as, org, django_assert_max_num_queries
):
    from leads import services

    lead = held_lead(org.rep1, pool=org.region_pool)
    for i in range(30):
        services.log_follow_up(lead=lead, user=org.rep1, kind="call", note=f"call {i}")
    client = browser_as("rep1")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200
