"""The complaint figures: rate per contract and per customer, SLA breaches, time to resolve,
scoped like every figure, on the manager dashboard with drill-down to the complaints."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints import services
from dashboards import complaint_figures
from dashboards.params import figure_request
from dashboards.periods import year
from dashboards.scope import resolve_scope

from ..api.test_contracts_api import contract_in
from ..complaints.steps import complaint_in
from .generated import check_table

YEAR = year(timezone.localdate().year)


@pytest.fixture
def filed(org):
    """Two contracts of team 1: one with a complaint closed in time and one late, one without;
    and one complaint on the customer alone."""
    first = contract_in(org, "signed")
    contract_in(org, "signed")
    closed = complaint_in(org, "closed", contract=first)
    late = complaint_in(org, contract=first, severity="critical")
    alone = services.open_complaint(
        by=org.rep1, customer=first.customer, title="Rude", category="service", severity="low"
    )
    return {"contract": first, "closed": closed, "late": late, "alone": alone}


def test_rate_breaches_and_time_to_resolve(org, filed):
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        figure = complaint_figures.complaints(resolve_scope(org.manager), YEAR)
    summary = figure["summary"]
    assert (summary["opened"], summary["on_contracts"], summary["contracts"]) == (3, 2, 2)
    assert summary["rate_per_contract"] == 1.0  # two complaints on contracts, two contracts
    assert summary["customers"] == 2 and summary["rate_per_customer"] == 1.5
    assert summary["breached"] == 1 and summary["breach_share"] == pytest.approx(0.3333)
    assert summary["resolved"] == 1 and summary["median_hours_to_resolve"] is not None
    assert figure["by_contract"][0]["contract"] == filed["contract"].pk
    assert figure["by_contract"][0]["complaints"] == 2
    critical = next(r for r in figure["by_severity"] if r["severity"] == "critical")
    assert (critical["complaints"], critical["breached"]) == (1, 1)


def test_another_team_and_an_outsider_see_none_of_it(org, filed):
    from ..contracts.steps import team2_manager

    for viewer in (team2_manager(org), org.rep3):
        assert complaint_figures.complaints(resolve_scope(viewer), YEAR)["summary"]["opened"] == 0
    mine = complaint_figures.complaints(resolve_scope(org.delivery), YEAR)["summary"]
    assert mine["opened"] == 2  # the FR: their deal's complaints, not the customer's own


def test_the_dashboard_shows_the_section_and_drills_down(
    org, filed, browser_as, django_assert_max_num_queries
):
    client = browser_as("manager")
    html = client.get("/dashboards/").content.decode()
    assert 'id="complaints"' in html and "figure=complaint_contract" in html
    with django_assert_max_num_queries(16):
        page = client.get(
            "/dashboards/records/",
            {"figure": "complaint_contract", "key": str(filed["contract"].pk)},
        )
    assert page.status_code == 200 and page.context["model"] == "complaints"
    assert {c.pk for c in page.context["page"].object_list} == {
        filed["closed"].pk,
        filed["late"].pk,
    }
    bad = client.get("/dashboards/records/", {"figure": "complaint_severity", "key": "x"})
    assert bad.status_code == 404


@pytest.mark.parametrize(
    "table", ["complaint_summary", "complaint_contracts", "complaint_customers"]
)
def test_every_complaint_count_is_the_count_of_its_records(org, filed, table):
    figure = figure_request(org.manager, {})
    assert check_table(figure, table) > 0
