"""The tender figures: tenders by result, the bid win rate, bid bonds outstanding, their
drill-down to the tenders, scoped like every figure, on the manager's dashboard."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboards import drilldown, tender_figures
from dashboards.params import figure_request
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope
from ltc.core.errors import InvalidInput
from tenders import services

from ..factories import opportunity
from .generated import check_table

pytestmark = pytest.mark.django_db


def _tender(org, n: int, *, bond="1000"):
    deal = opportunity(org.rep1, name=f"Deal {n}", stage_code="bid_preparation")
    return services.create_tender(
        opportunity=deal,
        by=org.rep1,
        number=f"ZB-{n}",
        issuer="Metro",
        submission_due_at=timezone.now() + timedelta(days=5),
        bond_amount=bond,
        bond_currency="CNY",
        price_currency="CNY",
    )


@pytest.fixture
def bids(org):
    """Two won, one lost, one cancelled (bond returned), one still being prepared."""
    done = []
    for n in range(4):
        tender = services.submit_tender(tender=_tender(org, n), by=org.rep1, price="100000")
        done.append(tender)
    services.win_tender(tender=done[0], by=org.rep1)
    services.win_tender(tender=done[1], by=org.rep1)
    services.lose_tender(tender=done[2], by=org.rep1, winner="Acme", winning_price="90000")
    services.cancel_tender(tender=done[3], by=org.rep1, note="Withdrawn by the issuer")
    services.return_bond(tender=done[3], by=org.rep1)
    _tender(org, 9, bond="5000")
    return done


def _year():
    return parse_period(str(timezone.localdate().year))


def test_results_win_rate_and_bonds(org, bids):
    figure = tender_figures.tenders(resolve_scope(org.manager), _year(), currency="CNY")
    counts = {row["key"]: row["count"] for row in figure["results"]}
    assert counts == {"won": 2, "lost": 1, "cancelled": 1, "preparing": 1, "submitted": 0}
    won = next(r for r in figure["results"] if r["key"] == "won")
    assert won["amount"] == Decimal("200000.00")
    assert figure["summary"]["win_rate"] == pytest.approx(2 / 3, abs=1e-4)
    bonds = {row["key"]: (row["count"], row["amount"]) for row in figure["bonds"]}
    assert bonds == {
        "in_progress": (1, Decimal("5000.00")),
        "awaiting_return": (3, Decimal("3000.00")),
    }
    assert figure["bonds_total"] == Decimal("8000.00")


def test_another_team_sees_none_of_it(org, bids):
    from ..contracts.steps import team2_manager

    figure = tender_figures.tenders(resolve_scope(team2_manager(org)), _year(), currency="CNY")
    assert figure["summary"]["decided"] == 0 and figure["bonds_total"] == Decimal("0.00")


def test_the_rows_drill_down_to_their_tenders(org, bids):
    figure = figure_request(org.manager, {})
    kind, tenders = drilldown.records(figure, "tender_result", "won")
    assert kind == drilldown.TENDERS and set(tenders) == {bids[0], bids[1]}
    kind, tenders = drilldown.records(figure, "tender_bond", "awaiting_return")
    assert set(tenders) == {bids[0], bids[1], bids[2]}
    with pytest.raises(InvalidInput):
        drilldown.records(figure, "tender_result", "nonsense")


def test_the_manager_dashboard_shows_them_and_drills_down(
    org, bids, browser_as, django_assert_max_num_queries
):
    client = browser_as("manager")
    with django_assert_max_num_queries(120):
        page = client.get("/dashboards/")
    html = page.content.decode()
    assert 'id="table-tender_results"' in html and 'id="table-tender_bonds"' in html
    assert "figure=tender_result" in html
    with django_assert_max_num_queries(15):
        drill = client.get("/dashboards/records/?figure=tender_bond&key=in_progress")
    assert drill.status_code == 200 and "ZB-9" in drill.content.decode()


def test_the_api_answers_the_same_figures(org, bids, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        answer = api("manager").get("/api/v1/dashboard/tenders/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["summary"]["won"] == 2 and body["bonds_total"] == "8000.00"
    assert api("rep3").get("/api/v1/dashboard/tenders/").json()["summary"]["decided"] == 0


@pytest.mark.parametrize("table", ["tender_results", "tender_win_rate", "tender_bonds"])
def test_every_tender_number_is_the_count_or_sum_of_its_records(org, bids, table):
    figure = figure_request(org.manager, {})
    assert check_table(figure, table) > 0
