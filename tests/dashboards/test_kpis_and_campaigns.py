"""The manager dashboard's KPI tiles, the leads-only (marketing) dashboard, the campaign results
page and API, and the filters that stay between visits — on the generated data of
``test_drilldown_adds_up``."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from dashboards import kpis
from dashboards.models import Kpi, KpiTarget
from dashboards.periods import parse_period
from dashboards.tables import FIGURES

from ..billing.steps import NOW
from .generated import PERIOD, build
from .generated import figure_of as _figure


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(scope="module")
def built(module_db):
    return build(module_db)


@pytest.fixture
def org(built, db):
    return built


@pytest.mark.parametrize(
    "asked, previous",
    [
        ("2030", ("2029-01-01", "2030-01-01", "2029")),
        ("2030-03", ("2030-02-01", "2030-03-01", "2030-02")),
        ("2030-Q1", ("2029-10-01", "2030-01-01", "2029-10-01–2029-12-31")),
    ],
)
def test_the_previous_period_is_the_one_just_before_of_the_same_kind(asked, previous):
    found = kpis.previous_period(parse_period(asked))
    assert (str(found.start), str(found.end), found.label) == previous


def test_a_custom_range_compares_with_as_many_days_before():
    found = kpis.previous_period(parse_period(None, "2030-03-10", "2030-03-19"))
    assert (found.start, found.end) == (date(2030, 2, 28), date(2030, 3, 10))


def test_the_tiles_show_the_figures_against_the_target_and_the_previous_period(org):
    KpiTarget.objects.create(kpi=Kpi.WIN_RATE, target=Decimal("0.99"))
    figure = _figure(org, "admin")
    results = {name: FIGURES[name](figure) for name in FIGURES}
    found = kpis.tiles(figure, results)
    tiles = {tile["code"]: tile for tile in found["tiles"]}
    assert list(tiles) == [d.code for d in kpis.DEFINITIONS]
    win = tiles[Kpi.WIN_RATE]
    assert win["value"] == results["win_rate"]["win_rate"] > 0
    assert (win["target"], win["met"]) == (0.99, False)
    assert win["previous"] is None and win["trend"] is None  # nothing closed in 2029
    assert tiles[Kpi.ORDER_TO_CASH]["value"] == 10.0
    assert tiles[Kpi.ORDER_TO_CASH]["met"] is True  # the default target: 60 days
    assert tiles[Kpi.LEAD_LEAKAGE]["value"] == results["leakage"]["missed_share"]
    assert found["previous"].label == "2029"


def test_a_kpi_moving_the_wrong_way_is_worse():
    leakage = kpis.DEFINITIONS[0]
    win = kpis.DEFINITIONS[1]
    assert kpis._trend(leakage, 0.3, 0.2) == "worse"
    assert kpis._trend(win, 0.3, 0.2) == "better"
    assert kpis._trend(win, 0.3, 0.3) == "same"


def test_the_manager_dashboard_opens_with_tiles_tabs_and_folded_tables(org, browser_as):
    page = browser_as("admin").get("/dashboards/", PERIOD).content.decode()
    for definition in kpis.DEFINITIONS:
        assert f'id="kpi-{definition.code}"' in page
    assert 'class="section-tabs"' in page and 'href="#forecast"' in page
    assert '<details class="dashboard-table" id="table-forecast_months">' in page
    assert page.index('id="kpis"') < page.index('id="funnel"')


def test_marketing_sees_the_leads_funnel_leakage_and_campaigns(org, browser_as):
    page = browser_as("marketing").get("/dashboards/", PERIOD).content.decode()
    for part in ("table-funnel_leads", "table-leakage_sources", "table-campaign_results"):
        assert f'id="{part}"' in page
    for deal_panel in ("table-funnel_stages", "table-forecast_months", "visit-cadence", "kpis"):
        assert f'id="{deal_panel}"' not in page
    figure = _figure(org, "marketing")
    assert FIGURES["funnel"](figure)["leads"]["leads"] > 0


def test_the_campaign_results_page_and_api_agree(
    org, browser_as, api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(24):
        page = browser_as("marketing").get("/dashboards/campaigns/", PERIOD)
    assert page.status_code == 200
    with django_assert_max_num_queries(16):
        body = api("marketing").get("/api/v1/dashboard/campaigns/", PERIOD).json()
    rows = FIGURES["campaigns"](_figure(org, "marketing"))["rows"]
    assert [r["key"] for r in body["rows"]] == [r["key"] for r in rows]
    assert {r["name"] for r in rows} >= {"Spring fair", "Newsletter"}
    assert (
        sum(r["leads"] for r in body["rows"])
        == FIGURES["funnel"](_figure(org, "marketing"))["leads"]["leads"]
    )
    assert "Spring fair" in page.content.decode()


@pytest.mark.parametrize("user", ["rep1", "manager"])
def test_campaign_results_keep_to_the_viewers_scope(org, browser_as, api, user):
    assert browser_as(user).get("/dashboards/campaigns/", PERIOD).status_code == 200
    mine = api(user).get("/api/v1/dashboard/campaigns/", PERIOD).json()
    company = FIGURES["campaigns"](_figure(org, "admin"))["rows"]
    assert sum(r["leads"] for r in mine["rows"]) < sum(r["leads"] for r in company)


def test_a_bad_campaign_filter_names_the_field(org, api):
    response = api("marketing").get("/api/v1/dashboard/campaigns/", {"period": "2030-13"})
    assert response.status_code == 400 and "period" in response.json()


def test_the_filters_stay_until_reset(org, browser_as):
    client = browser_as("manager")
    assert client.get("/dashboards/", {"period": "2030-Q2"}).status_code == 200
    again = client.get("/dashboards/")
    assert again.status_code == 302 and again["Location"] == "/dashboards/?period=2030-Q2"
    assert client.get("/dashboards/", {"reset": "1"}).status_code == 200
    assert client.get("/dashboards/").status_code == 200


@pytest.mark.parametrize("viewer", ["admin", "marketing"])
def test_every_bar_of_every_chart_opens_its_records(org, browser_as, viewer):
    response = browser_as(viewer).get("/dashboards/", PERIOD)
    charts = [chart for section in response.context["sections"] for chart in section["charts"]]
    assert charts
    for chart in charts:
        assert len(chart["links"]) == len(chart["categories"]), chart["id"]
    client = browser_as(viewer)
    for chart in charts:
        for link in chart["links"][:2]:
            assert client.get(link).status_code == 200, link
