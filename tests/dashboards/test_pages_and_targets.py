"""The dashboard pages draw charts whose bars lead to their records, in both languages; managers
enter targets for their own subtree only."""

import json
from datetime import date
from decimal import Decimal

import pytest

from dashboards.models import SalesTarget
from dashboards.services import set_target
from ltc.core.errors import InvalidInput, NotAllowed

from .builders import deal

pytestmark = pytest.mark.django_db


def charts(response) -> dict:
    """The chart specifications the page embeds with json_script, by id."""
    html = response.content.decode()
    found = {}
    for chunk in html.split('<script id="')[1:]:
        chart_id, rest = chunk.split('"', 1)
        found[chart_id] = json.loads(rest.split(">", 1)[1].split("</script>", 1)[0])
    return found


def test_the_manager_dashboard_draws_the_funnel_and_a_bar_opens_its_deals(org, browser_as):
    opp = deal(org.rep1, amount="250000", history=[("verify", "2026-01-05", "")])
    client = browser_as("manager")
    page = client.get("/dashboards/", {"period": "2026"})
    assert page.status_code == 200
    assert b"vendor/echarts/echarts.min.js" in page.content and b"js/dashboards.js" in page.content
    funnel = charts(page)["chart-funnel"]
    assert funnel["series"][0]["data"] == [250000.0]
    records = client.get(funnel["links"][0])
    assert records.status_code == 200
    assert list(records.context["page"].object_list) == [opp]
    assert set(charts(page)) >= {
        "chart-forecast",
        "chart-leakage",
        "chart-win-grade",
        "chart-cycle",
        "chart-aging",
        "chart-revenue",
    }
    assert b"export/?" in page.content and b"format=xlsx" in page.content


def test_the_pages_speak_both_languages(org, browser_as):
    deal(org.rep1, history=[("verify", "2026-01-05", "")])
    client = browser_as("rep1")
    client.cookies["django_language"] = "en"
    english = client.get("/dashboards/mine/", {"period": "2026"})
    assert b'<html lang="en">' in english.content and b"Lead leakage" in english.content
    assert charts(english)["chart-funnel"]["categories"] == ["Verify the opportunity"]
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get("/dashboards/mine/", {"period": "2026"})
    assert b'<html lang="zh-hans">' in chinese.content
    assert charts(chinese)["chart-funnel"]["categories"] == ["验证商机"]


def test_a_reps_own_dashboard_has_no_team_tables(org, browser_as):
    page = browser_as("rep1").get("/dashboards/mine/")
    assert page.status_code == 200
    names = {t["name"] for s in page.context["sections"] for t in s["tables"]}
    assert "win_owner" not in names and "win_grade" in names
    assert page.context["figure"].scope.owner == org.rep1


def test_a_bad_period_on_a_page_says_so_and_shows_the_default(org, browser_as):
    page = browser_as("manager").get("/dashboards/", {"period": "2026-13"})
    assert page.status_code == 200
    assert len(list(page.context["messages"])) == 1
    assert page.context["figure"].period.label == str(date.today().year)


def test_a_manager_sets_targets_for_their_subtree_only(org):
    target = set_target(
        by=org.manager, team=org.team1, month=date(2026, 6, 17), amount="1000000", currency="CNY"
    )
    assert target.month == date(2026, 6, 1)
    again = set_target(
        by=org.manager, owner=org.rep1, month=date(2026, 6, 1), amount="300000", currency="CNY"
    )
    set_target(
        by=org.manager, owner=org.rep1, month=date(2026, 6, 1), amount="350000", currency="CNY"
    )
    again.refresh_from_db()
    assert again.amount == Decimal("350000.00")  # the month's target replaced, not doubled
    with pytest.raises(InvalidInput) as refused:
        set_target(
            by=org.manager, team=org.team2, month=date(2026, 6, 1), amount="1", currency="CNY"
        )
    assert refused.value.field == "team"
    with pytest.raises(InvalidInput):
        set_target(
            by=org.manager, owner=org.rep3, month=date(2026, 6, 1), amount="1", currency="CNY"
        )
    with pytest.raises(NotAllowed):
        set_target(by=org.rep1, owner=org.rep1, month=date(2026, 6, 1), amount="1", currency="CNY")
    set_target(by=org.admin, team=org.team2, month=date(2026, 6, 1), amount="5", currency="CNY")
    assert SalesTarget.objects.count() == 3


def test_the_targets_page(org, browser_as):
    client = browser_as("manager")
    page = client.get("/dashboards/targets/")
    assert page.status_code == 200
    team_choices = [label for _v, label in page.context["form"].fields["team"].choices]
    assert "Team 1" in team_choices and "Team 2" not in team_choices
    saved = client.post(
        "/dashboards/targets/",
        {"team": org.team1.pk, "month": "2026-07", "amount": "800000", "currency": "CNY"},
    )
    assert saved.status_code == 302
    assert SalesTarget.objects.get(team=org.team1).month == date(2026, 7, 1)
    refused = client.post(
        "/dashboards/targets/",
        {"team": org.team2.pk, "month": "2026-07", "amount": "1", "currency": "CNY"},
    )
    assert refused.status_code == 200 and refused.context["form"].errors
    both = client.post(
        "/dashboards/targets/",
        {
            "team": org.team1.pk,
            "owner": org.rep1.pk,
            "month": "2026-07",
            "amount": "1",
            "currency": "CNY",
        },
    )
    assert both.context["form"].errors
    assert browser_as("rep1").get("/dashboards/targets/").status_code == 404


def test_every_malformed_filter_of_a_page_is_reported_and_dropped(org, browser_as):
    page = browser_as("admin").get("/dashboards/", {"team": "abc", "period": "x", "currency": "?"})
    assert page.status_code == 200
    assert len(list(page.context["messages"])) == 3
    assert page.context["figure"].scope.kind == "company"
    assert all("team=" not in t["csv"] for s in page.context["sections"] for t in s["tables"])
