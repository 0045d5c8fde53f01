"""The forecast against targets with its gap causes, and the cycle-time percentiles, on
hand-built deals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboards import figures
from dashboards.models import SalesTarget
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope

from .builders import deal, lead, review

pytestmark = pytest.mark.django_db

JUNE = parse_period("2026-06")
TODAY = date(2026, 6, 15)


def target(amount, month="2026-06-01", **who):
    return SalesTarget.objects.create(
        month=date.fromisoformat(month), amount=Decimal(amount), **who
    )


@pytest.fixture
def june(org):
    """Team 1 in June 2026, seen on 15 June: won 150,000; open 400,000 at 50% due on 20 June;
    open 100,000 due on 5 June (slipped); the team's target 1,000,000, rep1's 300,000."""
    deal(org.rep1, amount="150000", state="won", closed="2026-06-03", expected="2026-06-03")
    deal(org.rep1, amount="400000", probability=50, expected="2026-06-20")
    deal(org.rep2, amount="100000", probability=60, expected="2026-06-05")
    target("1000000", team=org.team1)
    target("300000", owner=org.rep1)


def test_gap_splits_into_missing_pipeline_slipped_dates_and_low_conversion(org, june):
    result = figures.forecast(resolve_scope(org.manager, team=org.team1.pk), JUNE, today=TODAY)
    month = result["months"][0]
    assert month["month"] == "2026-06"
    assert month["target"] == Decimal("1000000.00")
    assert month["won"] == Decimal("150000.00")
    assert month["pipeline"] == Decimal("400000.00")  # the slipped deal is not counted
    assert month["weighted"] == Decimal("200000.00")
    assert month["slipped"] == Decimal("100000.00") and month["slipped_count"] == 1
    assert month["forecast"] == Decimal("350000.00")
    assert month["gap"] == Decimal("650000.00")
    assert month["missing_pipeline"] == Decimal(
        "350000.00"
    )  # 1,000,000 − 150,000 − 400,000 − 100,000
    assert month["slipped_dates"] == Decimal("100000.00")
    assert month["low_conversion"] == Decimal("200000.00")  # 400,000 − 200,000
    causes = month["missing_pipeline"] + month["slipped_dates"] + month["low_conversion"]
    assert causes == month["gap"]
    assert result["totals"]["gap"] == Decimal("650000.00")


def test_a_rep_is_measured_against_their_own_target(org, june):
    month = figures.forecast(resolve_scope(org.rep1), JUNE, today=TODAY)["months"][0]
    assert month["target"] == Decimal("300000.00")
    assert month["forecast"] == Decimal("350000.00")
    assert month["gap"] == Decimal("0.00") and month["missing_pipeline"] == Decimal("0.00")


def test_a_covered_target_leaves_only_low_conversion():
    month = figures.gap_causes(
        target=Decimal("500"),
        won=Decimal("100"),
        pipeline=Decimal("600"),
        weighted=Decimal("300"),
        slipped=Decimal("0"),
    )
    assert month["gap"] == Decimal("100")
    assert (month["missing_pipeline"], month["slipped_dates"], month["low_conversion"]) == (
        Decimal("0"),
        Decimal("0"),
        Decimal("100"),
    )


def test_without_a_team_target_the_reps_targets_add_up(org):
    target("50000", owner=org.rep3)
    target("20000", owner=org.rep1)
    team2 = figures.targets_by_month(resolve_scope(org.admin, team=org.team2.pk), JUNE, "CNY")
    assert team2 == {date(2026, 6, 1): Decimal("50000.00")}
    company = figures.targets_by_month(resolve_scope(org.admin), JUNE, "CNY")
    assert company == {date(2026, 6, 1): Decimal("70000.00")}
    target("900000", team=org.region)
    company = figures.targets_by_month(resolve_scope(org.admin), JUNE, "CNY")
    assert company == {date(2026, 6, 1): Decimal("900000.00")}  # the root team's own target


def test_every_month_of_the_period_is_listed_even_empty(org):
    result = figures.forecast(resolve_scope(org.rep1), parse_period("2026-Q3"), today=TODAY)
    assert [m["month"] for m in result["months"]] == ["2026-07", "2026-08", "2026-09"]
    assert all(m["forecast"] == 0 and m["gap"] == 0 for m in result["months"])


def stays(org, days_list, code="verify"):
    """One deal per stay of ``days`` in stage ``code`` (entered 1 March), now in approval."""
    for days in days_list:
        left = date(2026, 3, 1) + timedelta(days=days)
        deal(
            org.rep1,
            history=[(code, "2026-03-01", left.isoformat()), ("approval", "2026-04-20", "")],
        )


def test_stage_time_median_and_p90_are_nearest_rank(org):
    stays(org, [1, 2, 3, 4, 10])
    result = figures.cycle_times(resolve_scope(org.rep1), parse_period("2026"))
    verify = next(row for row in result["stages"] if row["code"] == "verify")
    assert (verify["count"], verify["median"], verify["p90"]) == (5, 3.0, 10.0)
    approval = next(row for row in result["stages"] if row["code"] == "approval")
    assert approval == {**approval, "count": 0, "median": None, "p90": None}  # still open


def test_an_even_count_takes_the_lower_middle_and_one_stay_is_both(org):
    stays(org, [2, 4, 6, 8])
    stays(org, [5], code="needs_analysis")
    rows = {
        r["code"]: r
        for r in figures.cycle_times(resolve_scope(org.rep1), parse_period("2026"))["stages"]
    }
    assert (rows["verify"]["median"], rows["verify"]["p90"]) == (4.0, 8.0)
    assert (rows["needs_analysis"]["median"], rows["needs_analysis"]["p90"]) == (5.0, 5.0)


def test_review_flow_time_and_lead_to_win(org):
    opp = deal(
        org.rep1,
        state="won",
        closed="2026-05-31",
        lead=lead(created="2026-05-01", owner=org.rep1, state="converted"),
    )
    review(opp, hours=12)
    review(opp, hours=72, kind="contract")
    review(opp, hours=36, requested="2026-03-01")
    result = figures.cycle_times(resolve_scope(org.rep1), parse_period("2026"))
    kinds = {r["kind"]: r for r in result["reviews"]}
    assert (kinds["project_approval"]["median"], kinds["project_approval"]["p90"]) == (0.5, 1.5)
    assert kinds["contract"]["median"] == 3.0
    assert kinds["registration"]["count"] == 0
    assert result["lead_to_win"] == {"count": 1, "median": 30.0, "p90": 30.0}


def test_cycle_times_of_an_empty_period(org):
    stays(org, [3])
    result = figures.cycle_times(resolve_scope(org.rep1), parse_period("2020"))
    assert all(row["count"] == 0 and row["median"] is None for row in result["stages"])
    assert result["lead_to_win"]["median"] is None
    assert result["order_to_cash"]["count"] == 0
