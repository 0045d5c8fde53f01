"""Partner figures: registrations by partner, acceptance rate, partner-sourced pipeline, wins."""

from decimal import Decimal

import pytest
from django.utils import timezone

from dashboards.partner_figures import partners
from dashboards.periods import year
from dashboards.scope import resolve_scope
from opportunities import services as deals
from partners import services

from ..partners.steps import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrations(org, partner_org):
    won = services.accept_registration(
        registration=register(org, project_name="Won one", customer_name="A"),
        by=org.manager,
        owner=org.rep1,
    )
    deals.win_partner_deal(opportunity=won.opportunity, user=org.rep1)
    services.accept_registration(
        registration=register(org, project_name="Open one", customer_name="B", amount="300000"),
        by=org.manager,
        owner=org.rep2,
    )
    services.reject_registration(
        registration=register(org, project_name="No", customer_name="C"),
        by=org.manager,
        reason="Ours",
    )
    register(org, project_name="Waiting", customer_name="D")


def test_the_figures_of_the_channel_managers_partner(org, registrations):
    period = year(timezone.localdate().year)
    figure = partners(resolve_scope(org.manager), period, currency="CNY")

    (row,) = figure["partners"]
    assert (row["name"], row["registered"], row["accepted"], row["rejected"]) == (
        "Acme Partner",
        4,
        2,
        1,
    )
    assert row["acceptance_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert (row["pipeline_count"], row["pipeline_amount"]) == (1, Decimal("300000.00"))
    assert (row["won_count"], row["won_amount"]) == (1, Decimal("800000.00"))
    assert partners(resolve_scope(org.rep3), period, currency="CNY")["partners"] == []


def test_the_manager_dashboard_shows_them_in_bounded_queries(
    org, registrations, browser_as, django_assert_max_num_queries
):
    client = browser_as("manager")
    with django_assert_max_num_queries(64):
        page = client.get("/dashboards/")
    html = page.content.decode()
    assert 'id="partners"' in html and "Acme Partner" in html


def test_the_api_answers_the_figures_and_a_partner_user_gets_404(
    org, registrations, api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        answer = api("manager").get("/api/v1/dashboard/partners/")
    assert answer.status_code == 200
    (row,) = answer.json()["partners"]
    assert (row["name"], row["won_amount"]) == ("Acme Partner", "800000.00")
    assert api("partner").get("/api/v1/dashboard/partners/").status_code == 404
