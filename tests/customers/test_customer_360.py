"""The customer 360 page: every section of the chain, scoped to the viewer, in a bounded number
of queries whatever the number of rows."""

import pytest
from django.urls import reverse

from ..conftest import ROLES
from ..contracts.steps import signing_deal, team2_manager
from .conftest import build_chain

# rep1's customer: who sees it (its owner, the team's manager, the company-wide roles, and the
# deal's triangle through the deal).
SEES_THE_CUSTOMER = {
    "admin",
    "manager",
    "marketing",
    "rep1",
    "solution",
    "delivery",
    "finance",
    "integration",
}


@pytest.fixture
def chain(org, frozen):
    return build_chain(org)


def page(client, customer):
    return client.get(reverse("customers:detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("name", ROLES)
def test_the_page_answers_404_to_who_does_not_see_the_customer(browser_as, org, chain, name):
    response = page(browser_as(name), chain["customer"])
    assert response.status_code == (200 if name in SEES_THE_CUSTOMER else 404)


def test_finance_sees_every_section_of_the_chain(browser_as, org, chain):
    html = page(browser_as("finance"), chain["customer"]).content.decode()
    assert chain["contract"].number in html
    assert chain["order"].number in html
    assert chain["invoice"].number in html
    assert "1 of 2 units accepted" not in html and "2 of 2 units accepted, 0 shipped" in html
    assert "customer.pdf" in html and "signed.pdf" in html  # its files and its records' files


def test_the_owner_sees_leads_deals_by_stage_activities_and_the_people_on_it(
    browser_as, org, chain
):
    open_deal = signing_deal(org.rep1, customer=chain["customer"], name="Phase 2")
    html = page(browser_as("rep1"), chain["customer"]).content.decode()
    assert chain["lead"].title in html
    deals = html.split('id="deals"')[1].split("</section>")[0]
    by_stage, closed = deals.split("Closed deals")
    assert open_deal.stage.name in by_stage and "Phase 2" in by_stage
    assert chain["deal"].name in closed and "Won" in closed  # signed: the deal is won
    assert "Visited the plant" in html and "Called" in html
    people = html.split('id="people"')[1].split("</section>")[0]
    for user in (org.rep1, org.solution, org.delivery):
        assert str(user) in people
    assert "Account owner" in people and "SR" in people and "FR" in people


def test_each_section_shows_only_what_the_viewer_sees(browser_as, org, chain):
    """rep3 (team 2) has a deal on rep1's customer: rep1 does not see it on the customer page,
    rep3 sees the customer (through the deal) and only their own deal on it."""
    other = signing_deal(org.rep3, customer=chain["customer"], name="Team 2 expansion")
    rep1_html = page(browser_as("rep1"), chain["customer"]).content.decode()
    assert "Team 2 expansion" not in rep1_html
    rep3_html = page(browser_as("rep3"), chain["customer"]).content.decode()
    assert other.name in rep3_html
    assert chain["deal"].name not in rep3_html
    assert chain["contract"].number not in rep3_html
    assert chain["invoice"].number not in rep3_html
    assert "Visited the plant" not in rep3_html  # an activity on rep1's deal


def test_what_is_planned_on_its_deals_shows_to_who_sees_the_deal(browser_as, org, chain):
    from datetime import timedelta

    from django.utils import timezone

    from ltc.activity.services import plan_activity

    other = signing_deal(org.rep3, customer=chain["customer"], name="Team 2 expansion")
    for owner, deal, title in (
        (org.rep1, chain["deal"], "Site visit with the CFO"),
        (org.rep3, other, "Team 2 call"),
    ):
        plan_activity(
            by=owner,
            subject_type="opportunity",
            subject_id=deal.pk,
            kind="visit",
            title=title,
            due_at=timezone.now() + timedelta(days=2),
        )
    planned = (
        page(browser_as("rep1"), chain["customer"])
        .content.decode()
        .split('id="planned-on-records"')[1]
    ).split("</section>")[0]
    assert "Site visit with the CFO" in planned and chain["deal"].name in planned
    assert "Team 2 call" not in planned  # rep3's deal is not rep1's to see
    rep3 = page(browser_as("rep3"), chain["customer"]).content.decode()
    assert "Team 2 call" in rep3 and "Site visit with the CFO" not in rep3


def test_a_manager_of_another_team_does_not_see_the_customer(browser_as, org, chain, client):
    client.force_login(team2_manager(org))
    assert page(client, chain["customer"]).status_code == 404


def test_the_page_runs_a_bounded_number_of_queries_whatever_the_rows(
    browser_as, org, chain, django_assert_max_num_queries
):
    client = browser_as("manager")
    customer = chain["customer"]
    page(client, customer)
    with django_assert_max_num_queries(60) as captured:
        assert page(client, customer).status_code == 200
    baseline = len(captured)
    for number in ("2", "3"):
        build_chain(org, customer=customer, number=number)
    with django_assert_max_num_queries(baseline):
        html = page(client, customer).content.decode()
    assert html.count("PO-") >= 3
