"""Who may read which figures — through the API, the pages, the exports and the drill-down lists
— the API's shape and filters, and a bounded number of queries whatever the data size."""

from decimal import Decimal

import pytest
import time_machine

from dashboards.periods import parse_period
from dashboards.scope import resolve_scope

from .builders import at, deal, lead

pytestmark = pytest.mark.django_db

ENDPOINTS = ["funnel", "leakage", "win-rate", "forecast", "cycle-times", "receivables", "revenue"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at("2026-06-15"), tick=False):
        yield


@pytest.fixture
def deals(org):
    """A won deal of each team: rep1's 100,000 (team 1) and rep3's 900,000 (team 2)."""
    deal(org.rep1, amount="100000", state="won", closed="2026-03-01", grade="C")
    deal(org.rep3, amount="900000", state="won", closed="2026-03-02", grade="A")


def won_amount(client, **params):
    response = client.get("/api/v1/dashboard/win-rate/", {"period": "2026", **params})
    assert response.status_code == 200, response.content
    return Decimal(response.json()["won_amount"])


# who asks → for whom → status
MATRIX = [
    ("rep1", {}, 200),
    ("rep1", {"owner": "rep1"}, 200),
    ("rep1", {"owner": "rep2"}, 404),
    ("rep1", {"owner": "rep3"}, 404),
    ("rep1", {"team": "team1"}, 404),
    ("rep1", {"team": "team2"}, 404),
    ("solution", {"team": "team1"}, 404),
    ("manager", {}, 200),
    ("manager", {"team": "team1"}, 200),
    ("manager", {"owner": "rep2"}, 200),
    ("manager", {"team": "team2"}, 404),
    ("manager", {"team": "region"}, 404),
    ("manager", {"owner": "rep3"}, 404),
    ("admin", {"team": "team2"}, 200),
    ("finance", {"owner": "rep3"}, 200),
]


def _ids(org, params):
    return {key: str(getattr(org, value).pk) for key, value in params.items()}


@pytest.mark.parametrize("who, params, status", MATRIX)
def test_who_may_read_whose_figures_through_the_api(org, api, deals, who, params, status):
    client = api(who)
    for endpoint in ENDPOINTS:
        response = client.get(f"/api/v1/dashboard/{endpoint}/", _ids(org, params))
        assert response.status_code == status, (endpoint, response.content)


@pytest.mark.parametrize("who, params, status", MATRIX)
def test_the_pages_exports_and_drill_downs_follow_the_same_scope(
    org, browser_as, deals, who, params, status
):
    client = browser_as(who)
    query = _ids(org, params)
    assert client.get("/dashboards/", query).status_code == status
    export = client.get("/dashboards/export/", {**query, "table": "win_grade", "format": "csv"})
    assert export.status_code == status
    drill = client.get("/dashboards/records/", {**query, "figure": "grade", "key": "A"})
    assert drill.status_code == status


def test_a_rep_reads_only_their_own_numbers_and_a_manager_only_their_teams(org, api, deals):
    assert won_amount(api("rep1")) == Decimal("100000.00")
    assert won_amount(api("rep3")) == Decimal("900000.00")
    assert won_amount(api("manager")) == Decimal("100000.00")
    assert won_amount(api("admin")) == Decimal("1000000.00")
    assert won_amount(api("admin"), team=org.team2.pk) == Decimal("900000.00")


def test_the_drill_down_lists_only_records_the_figure_counted(org, browser_as, deals):
    page = browser_as("manager").get("/dashboards/records/", {"figure": "grade", "key": "A"})
    assert page.status_code == 200 and page.context["page"].paginator.count == 0  # team 2's deal
    page = browser_as("admin").get("/dashboards/records/", {"figure": "grade", "key": "A"})
    assert page.context["page"].paginator.count == 1


def test_the_export_holds_the_table_of_the_page(org, browser_as, deals):
    client = browser_as("admin")
    csv = client.get("/dashboards/export/", {"table": "win_grade", "format": "csv"})
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3  # header, grade A, grade C
    assert lines[1].split(",")[1:3] == ["1", "1"]
    assert "900000.00" in lines[1]
    xlsx = client.get("/dashboards/export/", {"table": "forecast_months", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet.max_row == 13  # header and the twelve months of 2026
    assert client.get("/dashboards/export/", {"table": "nope"}).status_code == 404
    for key in ("x", str(2**70), ""):
        assert (
            client.get("/dashboards/records/", {"figure": "stage", "key": key}).status_code == 404
        )
    assert client.get("/dashboards/records/", {"figure": "nope"}).status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "last year"}, "period"),
        ({"period": "2026-Q5"}, "period"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"period": "2026", "from": "2026-01-01"}, "period"),
        ({"team": "x"}, "team"),
        ({"owner": "-3"}, "owner"),
        ({"team": str(2**70)}, "team"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_a_bad_filter_answers_400_naming_the_field(api, params, field):
    response = api("admin").get("/api/v1/dashboard/funnel/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_periods_as_year_quarter_month_and_dates():
    assert (str(parse_period("2026-Q2").start), str(parse_period("2026-Q2").last_day)) == (
        "2026-04-01",
        "2026-06-30",
    )
    assert str(parse_period("2026-2").last_day) == "2026-02-28"
    custom = parse_period(None, "2026-03-10", "2026-03-12")
    assert len(custom.months()) == 1 and str(custom.end) == "2026-03-13"
    assert parse_period(None).label == "2026"  # the current year by default


def test_api_shape(org, api, deals):
    body = api("manager").get("/api/v1/dashboard/forecast/", {"period": "2026-Q1"}).json()
    assert body["period"] == {"label": "2026-Q1", "date_from": "2026-01-01", "to": "2026-03-31"}
    assert body["scope"]["kind"] == "team"
    assert [m["month"] for m in body["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert body["months"][2]["won"] == "100000.00"  # money as a decimal string
    funnel = api("rep1").get("/api/v1/dashboard/funnel/").json()
    assert funnel["scope"] == {"kind": "owner", "team": None, "owner": org.rep1.pk, "label": "rep1"}
    assert {"stages", "closed", "leads", "currency"} <= set(funnel)


def grow(org, n):
    for i in range(n):
        for owner in (org.rep1, org.rep2, org.rep3):
            deal(
                owner,
                amount=str(10000 + i),
                state=["open", "won", "lost"][i % 3],
                closed="" if i % 3 == 0 else "2026-04-01",
                loss_reason="price" if i % 3 == 2 else "",
                loss_competitor=f"Rival {i}" if i % 3 == 2 else "",
                history=[("verify", "2026-01-05", "2026-02-01"), ("approval", "2026-02-01", "")],
                lead=lead(created="2026-01-02", owner=owner, state="converted"),
            )
            lead(created="2026-02-01", recovered=[(owner, "2026-02-10")], pool=org.default_pool)


@pytest.mark.parametrize("size", [1, 6])
def test_each_endpoint_runs_a_bounded_number_of_queries(
    org, api, django_assert_max_num_queries, size
):
    grow(org, size)
    client = api("manager")
    for endpoint in ENDPOINTS:
        with django_assert_max_num_queries(16):
            assert client.get(f"/api/v1/dashboard/{endpoint}/").status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_the_pages_run_a_bounded_number_of_queries(
    org, browser_as, django_assert_max_num_queries, size
):
    grow(org, size)
    client = browser_as("manager")
    # The sections of partners, tenders, complaints and the customer pool read a few rows each;
    # the KPI tiles read their targets and the previous period (about one query per KPI).
    with django_assert_max_num_queries(64):
        assert client.get("/dashboards/").status_code == 200
    with django_assert_max_num_queries(16):
        assert (
            client.get("/dashboards/records/", {"figure": "stage", "key": "2"}).status_code == 200
        )
    with django_assert_max_num_queries(16):
        assert (
            client.get("/dashboards/records/", {"figure": "leakage", "key": "missed"}).status_code
            == 200
        )
    rep = browser_as("rep1")
    with django_assert_max_num_queries(50):
        assert rep.get("/dashboards/mine/").status_code == 200


def test_the_scope_of_a_manager_without_filters_is_their_teams(org):
    scope = resolve_scope(org.manager)
    assert scope.kind == "team" and scope.team_ids == {org.team1.pk}
    assert resolve_scope(org.rep1).owner == org.rep1
    assert resolve_scope(org.finance).kind == "company"
