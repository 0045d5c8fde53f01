"""Lead leakage on hand-built leads: recovered twice, released by hand, overdue now, untouched,
disqualified, and one outside the period."""

import pytest

from dashboards import figures
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope

from .builders import at, lead

pytestmark = pytest.mark.django_db

MARCH = parse_period("2026-03")
NOW = at("2026-04-01")


@pytest.fixture
def leads(org):
    return {
        # recovered from rep1 twice by the task, back in the company pool, never followed up
        "twice": lead(
            pool=org.default_pool, recovered=[(org.rep1, "2026-03-05"), (org.rep1, "2026-03-12")]
        ),
        # released by hand by rep2 (not a missed deadline), now rep1's and followed up
        "released": lead(
            owner=org.rep1, follow_ups=2, due="2026-04-08", released=[(org.rep2, "2026-03-03")]
        ),
        # held by rep1, no follow-up, deadline passed before NOW: missed and untouched
        "overdue": lead(owner=org.rep1, due="2026-03-20", source="trade_show"),
        # disqualified by rep2 after a follow-up
        "no_budget": lead(
            owner=org.rep2, state="disqualified", follow_ups=1, reason="no_budget", due=None
        ),
        # new in the pool: untouched
        "fresh": lead(source="trade_show"),
        # created in February: another period
        "february": lead(created="2026-02-27", recovered=[(org.rep1, "2026-03-02")]),
    }


def test_leakage_totals_and_shares(org, leads):
    result = figures.leakage(resolve_scope(org.admin), MARCH, now=NOW)
    assert result["total"] == 5
    assert result["missed"] == 2  # recovered twice + overdue now; a hand release is no miss
    assert result["recovered"] == 1 and result["recovered_twice"] == 1
    assert result["recoveries"] == 2  # the lead recovered twice counts twice here
    assert result["disqualified"] == 1
    assert result["untouched"] == 3  # twice (back in the pool), overdue, fresh
    assert result["missed_share"] == 0.4
    assert result["untouched_share"] == 0.6
    assert [(r["reason"], r["count"], r["share"]) for r in result["by_reason"]] == [
        ("no_budget", 1, 0.2)
    ]


def test_leakage_by_source_and_by_rep(org, leads):
    result = figures.leakage(resolve_scope(org.admin), MARCH, now=NOW)
    sources = {
        row["source"]: (row["total"], row["missed"], row["untouched"])
        for row in result["by_source"]
    }
    assert sources == {"website": (3, 1, 1), "trade_show": (2, 1, 2)}
    reps = {row["owner"]: row for row in result["by_rep"]}
    assert (reps[org.rep1.pk]["total"], reps[org.rep1.pk]["missed"]) == (2, 1)
    assert reps[org.rep1.pk]["taken_back"] == 1  # the lead recovered twice, once as a lead
    assert reps[None]["total"] == 2  # in the pool now
    assert reps[org.rep2.pk]["disqualified"] == 1 and reps[org.rep2.pk]["taken_back"] == 0


def test_a_rep_counts_the_leads_taken_back_from_them(org, leads):
    result = figures.leakage(resolve_scope(org.rep1), MARCH, now=NOW)
    # rep1 sees the leads held now and the pool lead recovered from them (it sits in the pool).
    assert result["total"] == 3
    assert result["recovered"] == 1


def test_the_leads_behind_a_leakage_count(org, leads):
    scope = resolve_scope(org.admin)
    missed = figures.leakage_leads(scope, MARCH, "missed", now=NOW)
    assert set(missed) == {leads["twice"], leads["overdue"]}
    assert set(figures.leakage_leads(scope, MARCH, "recovered_twice", now=NOW)) == {leads["twice"]}


def test_an_empty_period_leaks_nothing(org, leads):
    result = figures.leakage(resolve_scope(org.admin), parse_period("2025"), now=NOW)
    assert result["total"] == 0 and result["missed_share"] is None
    assert result["by_rep"] == [] and result["by_source"] == []
