"""Every number of the dashboard tables opens records that add up to it.

For every table of ``tables.py`` and every number ``cells.CELLS`` gives records, on generated
data: the records listed (``cells.records``) are as many as a count says, add up (``cells.total``)
to an amount, and are not empty when a ratio or a spread has something to divide. Then through
the page: a number's link opens the records page, which states the same count and sum.

The data is generated once for the module from a fixed seed (deals, leads, reviews in every state
and several currencies, and a contract through the real delivery and billing services)."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from dashboards import cells
from dashboards.models import SalesTarget
from dashboards.tables import FIGURES, TABLES, TABLES_BY_NAME

from ..billing.steps import NOW
from .generated import PERIOD, build, check_pages, check_table, numbers_of
from .generated import figure_of as _figure

VIEWERS = ("admin", "manager")


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


# The tables checked on their own modules' data (each calls ``check_table`` for them).
ELSEWHERE = {
    "test_complaints": ("complaint_summary", "complaint_contracts", "complaint_customers"),
    "test_tenders": ("tender_results", "tender_win_rate", "tender_bonds"),
    "test_products": ("product_families", "discount_owner", "discount_team"),
    "test_customer_pool_figures": ("customer_pool_reps",),
}
# The tables whose numbers the generated data fills.
GENERATED = sorted(set(cells.CELLS) - {t for tables in ELSEWHERE.values() for t in tables})


def test_no_table_and_no_number_is_left_out():
    """Every number column of every table has its records (or is declared typed by a person),
    and every table is checked: here on the generated data, or on its module's own data."""
    left_out = [
        (table.name, column.key)
        for table in TABLES
        for column in table.columns
        if column.kind != "text" and column.key not in cells.CELLS.get(table.name, {})
    ]
    assert left_out == []
    assert set(TABLES_BY_NAME) == set(cells.CELLS)
    checked = set(GENERATED) | {t for tables in ELSEWHERE.values() for t in tables}
    assert checked == set(TABLES_BY_NAME)
    for module, tables in ELSEWHERE.items():
        source = (Path(__file__).parent / f"{module}.py").read_text()
        assert "check_table" in source and all(f'"{t}"' in source for t in tables), module


def test_only_typed_numbers_open_no_records(org):
    """The two numbers no record makes: the forecast's target (typed on the targets page) and
    a campaign's budget (set on the campaign)."""
    entered = {
        (table, column): cell.kind
        for table, columns in cells.CELLS.items()
        for column, cell in columns.items()
        if cell.measure == "entered"
    }
    assert entered == {
        ("forecast_months", "target"): cells.TARGETS,
        ("campaign_results", "budget"): cells.CAMPAIGNS_ADMIN,
    }


def test_the_target_opens_the_targets_page_where_it_is_typed(org, browser_as):
    """The company's target is what the managers typed for the root team, month by month; the
    number links to the targets page, which lists those entries (a rep sees no link)."""
    months = FIGURES["forecast"](_figure(org, "admin"))["months"]
    typed = dict(SalesTarget.objects.filter(team=org.region).values_list("month", "amount"))
    assert months and all(
        m["target"] == typed[date.fromisoformat(m["month"] + "-01")] for m in months
    )
    client = browser_as("admin")
    page = client.get("/dashboards/", PERIOD).content.decode()
    table = page.split('id="table-forecast_months"')[1].split("</details>")[0]
    assert table.count('href="/dashboards/targets/"') == len(months)
    targets = client.get("/dashboards/targets/").content.decode()
    assert "90,000.00" in targets or "90000" in targets
    mine = browser_as("rep1").get("/dashboards/mine/", PERIOD).content.decode()
    rep_table = mine.split('id="table-forecast_months"')[1].split("</details>")[0]
    assert "/dashboards/targets/" not in rep_table and "cell-link" in rep_table


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("table_name", GENERATED)
def test_every_number_equals_the_count_or_sum_of_its_records(org, viewer, table_name):
    figure = _figure(org, viewer)
    assert check_table(figure, table_name) > 0


@pytest.mark.parametrize("table_name", ["cycle_stages", "forecast_months", "campaign_results"])
def test_the_records_page_states_the_number(org, browser_as, table_name):
    """Through the page: "Records: N · Total: X" is the number the link was on."""
    assert check_pages(browser_as("manager"), _figure(org, "manager"), table_name, PERIOD) > 0


def test_the_generated_data_fills_the_numbers(org):
    """Not a vacuous check: the numbers compared above are mostly not zero."""
    figure = _figure(org, "admin")
    filled = set()
    for name in GENERATED:
        table = TABLES_BY_NAME[name]
        for column, _cell, _params, value in numbers_of(table, FIGURES[table.figure](figure)):
            if value not in (None, 0, Decimal("0"), "0", "0.00"):
                filled.add((name, column.key))
    empty = {(t, c) for t in GENERATED for c in cells.CELLS[t]} - filled
    # The invoices are not due yet, and no acceptance was corrected.
    assert empty <= {
        ("receivables_aging", "days_0_30"),
        ("receivables_customers", "days_0_30"),
        ("receivables_aging", "days_31_60"),
        ("receivables_aging", "days_61_90"),
        ("receivables_aging", "over_90"),
        ("receivables_customers", "days_31_60"),
        ("receivables_customers", "days_61_90"),
        ("receivables_customers", "over_90"),
        ("revenue_months", "reversed"),
        ("leakage_reps", "taken_back"),
    }, sorted(empty)


def test_the_forecast_won_figure_opens_the_won_deals(org, browser_as):
    """The number that once said "no records": its link lists the won deals and their sum."""
    client = browser_as("admin")
    page = client.get("/dashboards/", PERIOD).content.decode()
    links = re.findall(r'href="(/dashboards/records/\?[^"]*figure=won_month[^"]*)"', page)
    assert links
    figure = _figure(org, "admin")
    months = FIGURES["forecast"](figure)["months"]
    won = {m["month"]: m["won"] for m in months}
    for link in links:
        listed = client.get(link.replace("&amp;", "&")).content.decode()
        month = re.search(r"key=(\d{4}-\d{2})", link)[1]
        total = re.search(r'data-total="([\d.]+)"', listed)[1]
        assert Decimal(total) == won[month]


def test_order_to_cash_lists_both_ends(org, browser_as):
    client = browser_as("finance")
    page = client.get("/dashboards/records/", {**PERIOD, "figure": "chain", "key": "order_to_cash"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-count="1"' in text
    # Signed on the day of the order, paid in full ten days later: ten days, not zero.
    figure = _figure(org, "finance")
    chain = FIGURES["cycle_times"](figure)["order_to_cash"]
    assert (chain["count"], chain["median"]) == (1, 10.0)
    assert ">10<" in text


@pytest.mark.parametrize(
    "query",
    [
        {"figure": "receivable", "key": "nope"},
        {"figure": "chain", "key": "nope"},
        {"figure": "stage", "key": "1", "part": "nope"},
        {"figure": "review_kind", "key": "x"},
        {"figure": "revenue_month", "key": "2030-13"},
    ],
)
def test_an_unknown_number_is_a_404(org, browser_as, query):
    assert browser_as("admin").get("/dashboards/records/", query).status_code == 404


def test_a_sum_the_records_do_not_have_is_left_out_not_a_500(org, browser_as):
    page = browser_as("admin").get(
        "/dashboards/records/", {**PERIOD, "figure": "stage", "key": "1", "measure": "outstanding"}
    )
    assert page.status_code == 200 and "data-total" not in page.content.decode()


def test_a_deal_back_in_a_stage_counts_both_stays(org):
    """ "Days per stage" counts stays, not deals: a deal sent back to verification stayed there
    twice, and its records are both stays (a list of deals would show one)."""
    from .builders import deal

    history = [
        ("verify", "2030-02-02", "2030-02-10"),
        ("approval", "2030-02-10", "2030-02-20"),
        ("verify", "2030-02-20", "2030-03-01"),
        ("approval", "2030-03-01", ""),
    ]
    back = deal(org.rep1, history=history, expected="2030-06-30")
    figure = _figure(org, "admin")
    (verify,) = [s for s in FIGURES["cycle_times"](figure)["stages"] if s["code"] == "verify"]
    model, stays = cells.records(figure, "stays", str(verify["stage_id"]))
    assert model == "stays" and stays.count() == verify["count"]
    assert stays.filter(opportunity=back).count() == 2
    assert stays.values("opportunity").distinct().count() == verify["count"] - 1
    assert check_table(figure, "cycle_stages") > 0
