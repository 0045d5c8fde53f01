"""The customer pool by rep: recovered, reclaimed and untouched, in the viewer's scope."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dashboards import customer_pool_figures
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope
from ltc.customers import pool, pool_sweeps

from ..factories import CustomerPoolFactory, held_customer

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
YEAR = parse_period("2026")


@pytest.fixture
def history(org):
    """rep1 lost two customers to the sweep; rep2 took one of them again; rep3 (team 2) lost
    one; rep1 and rep3 each hold one untouched, rep2 one touched."""
    with time_machine.travel(NOW, tick=False):
        region = CustomerPoolFactory(name="East customers", team=org.region, is_default=True)
        lost = [held_customer(org.rep1, region, due_in=-timedelta(hours=h)) for h in (1, 2)]
        held_customer(org.rep3, region, due_in=-timedelta(hours=3))
        pool_sweeps.recover_idle_customers()
        pool.claim_customer(customer=lost[0], user=org.rep2)
        pool.log_customer_activity(customer=lost[0], user=org.rep2, kind="call", note="Hello")
        held_customer(org.rep1, region)
        held_customer(org.rep3, region)
    return lost


def rows(figure) -> dict:
    return {r["name"]: (r["recovered"], r["reclaimed"], r["untouched"]) for r in figure["reps"]}


def test_the_company_sees_every_rep(org, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        figure = customer_pool_figures.customer_pool(resolve_scope(org.admin), YEAR)
    assert rows(figure) == {
        str(org.rep1): (2, 0, 1),
        str(org.rep2): (0, 1, 0),
        str(org.rep3): (1, 0, 1),
    }
    assert (figure["recovered"], figure["reclaimed"], figure["untouched"]) == (3, 1, 2)


def test_a_manager_sees_their_team_and_a_rep_themselves(org, history):
    team1 = customer_pool_figures.customer_pool(resolve_scope(org.manager), YEAR)
    assert set(rows(team1)) == {str(org.rep1), str(org.rep2)}
    mine = customer_pool_figures.customer_pool(resolve_scope(org.rep3), YEAR)
    assert rows(mine) == {str(org.rep3): (1, 0, 1)}


def test_another_year_counts_no_event(org, history):
    figure = customer_pool_figures.customer_pool(resolve_scope(org.admin), parse_period("2025"))
    assert (figure["recovered"], figure["reclaimed"]) == (0, 0)


def test_the_manager_dashboard_shows_the_table(org, history, browser_as):
    page = browser_as("manager").get("/dashboards/?period=2026")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="table-customer_pool_reps"' in html


@pytest.mark.parametrize("viewer", ["admin", "manager"])
def test_every_pool_number_is_the_count_of_its_records(org, history, viewer, browser_as):
    """Recovered and reclaimed list the recoveries, untouched the customers held; the records
    page states the same count."""
    from dashboards.params import figure_request

    from .generated import check_pages, check_table

    with time_machine.travel(NOW, tick=False):
        figure = figure_request(getattr(org, viewer), {"period": "2026"})
        assert check_table(figure, "customer_pool_reps") > 0
        client = browser_as(viewer)
        assert check_pages(client, figure, "customer_pool_reps", {"period": "2026"}) > 0
