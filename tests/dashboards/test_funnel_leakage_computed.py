"""The funnel's stage moves and the lead leakage are computed in grouped passes (flags per deal,
counts per source and owner that are added up). Here they are checked against the definitions
worked out row by row in Python, on seeded random data: deals that skip stages, go back, enter a
stage twice, in both processes; leads in every state, recovered and released by several reps."""

import random
from datetime import date, timedelta

import pytest

from dashboards import figures
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope
from leads.models import Lead, LeadRecovery
from opportunities.models import Stage, StageHistory

from ..conftest import Org
from .builders import at, deal, lead

pytestmark = pytest.mark.django_db

PERIOD = parse_period("2026-Q1")
NOW = at("2026-03-20")
VIEWERS = ("admin", "manager", "rep1", "finance")


def _day(rng) -> str:
    return (date(2025, 12, 1) + timedelta(days=rng.randrange(150))).isoformat()


@pytest.fixture(scope="module")
def built(module_db):
    """The organisation and its random deals and leads, built once for the module; every test
    reads them in a savepoint of its own (``module_db``)."""
    with module_db.unblock():
        org = Org()
        _build(org)
    return org


@pytest.fixture
def org(built, db):
    return built.reloaded()


@pytest.fixture
def data(built):
    return built


def _build(org) -> None:
    rng = random.Random(20260301)
    reps = [org.rep1, org.rep2, org.rep3, org.manager]
    default = list(Stage.objects.filter(process__is_default=True).order_by("order"))
    partner = list(Stage.objects.filter(process__for_partner_deals=True).order_by("order"))
    for _ in range(40):
        history = [
            (rng.choice(default).code, _day(rng), _day(rng)) for _ in range(rng.randrange(1, 6))
        ]
        state = rng.choice(["open", "open", "won", "lost"])
        opp = deal(
            rng.choice(reps),
            history=history,
            state=state,
            closed=_day(rng) if state != "open" else "",
            team=rng.choice(["owner", None]),
        )
        if rng.random() < 0.3:  # stays in the partner process too: "later" is per process
            StageHistory.objects.bulk_create(
                StageHistory(opportunity=opp, stage=rng.choice(partner), entered_at=at(_day(rng)))
                for _ in range(rng.randrange(1, 3))
            )
    pools = [org.default_pool, org.region_pool, org.team2_pool]
    for _ in range(60):
        owner = rng.choice([None, *reps])
        state = rng.choice(["assigned", "disqualified", "validated"]) if owner else "new"
        lead(
            created=_day(rng),
            owner=owner,
            state=state,
            pool=rng.choice(pools),
            follow_ups=rng.choice([0, 0, 1, 3]),
            recovered=[(rng.choice(reps), _day(rng)) for _ in range(rng.choice([0, 0, 1, 2]))],
            released=[(rng.choice(reps), _day(rng)) for _ in range(rng.choice([0, 0, 1]))],
            due=_day(rng) if state == "assigned" else None,
            reason=rng.choice(["no_budget", "duplicate", "other", ""])
            if state == "disqualified"
            else "",
            source=rng.choice(["website", "trade_show", "referral"]),
        )


def _moves_by_hand(scope, period):
    ids = set(scope.opportunities().values_list("pk", flat=True))
    stages = {s.pk: s for s in Stage.objects.all()}
    rows = list(StageHistory.objects.filter(opportunity_id__in=ids).select_related("opportunity"))
    result = {}
    for stage in stages.values():
        entered = {
            r.opportunity_id
            for r in rows
            if r.stage_id == stage.pk and period.start_at <= r.entered_at < period.end_at
        }
        advanced = {
            opp_id
            for opp_id in entered
            if any(
                r.opportunity_id == opp_id
                and (
                    r.opportunity.state == "won"
                    or (
                        stages[r.stage_id].process_id == stage.process_id
                        and stages[r.stage_id].order > stage.order
                    )
                )
                for r in rows
            )
        }
        result[stage.pk] = (len(entered), len(advanced))
    return result


def _leakage_by_hand(scope, period, now):
    leads = list(figures.leads_created(scope, period))
    recoveries = list(LeadRecovery.objects.filter(lead__in=leads))

    def counts(group):
        missed = [
            x
            for x in group
            if any(r.lead_id == x.pk and r.kind == "recovered" for r in recoveries)
            or (x.state == "assigned" and x.follow_up_due_at < now)
        ]
        return {
            "total": len(group),
            "recoveries": sum(x.recovery_count for x in group),
            "missed": len(missed),
            "recovered": sum(1 for x in group if x.recovery_count >= 1),
            "recovered_twice": sum(1 for x in group if x.recovery_count >= 2),
            "disqualified": sum(1 for x in group if x.state == "disqualified"),
            "untouched": sum(
                1 for x in group if x.state in ("new", "assigned") and x.follow_up_count == 0
            ),
        }

    by_owner = {}
    for x in leads:
        by_owner.setdefault(x.owner_id, []).append(x)
    taken = {}
    for r in recoveries:
        if r.kind == "recovered":
            taken.setdefault(r.former_owner_id, set()).add(r.lead_id)
    reasons = {}
    for x in leads:
        if x.state == "disqualified":
            reasons[x.disqualify_reason] = reasons.get(x.disqualify_reason, 0) + 1
    return {
        "totals": counts(leads),
        "sources": {
            source: counts([x for x in leads if x.source == source])
            for source in {x.source for x in leads}
        },
        "owners": {owner: counts(group) for owner, group in by_owner.items()},
        "taken": {owner: len(ids) for owner, ids in taken.items()},
        "reasons": reasons,
    }


@pytest.mark.parametrize("viewer", VIEWERS)
def test_stage_moves_match_the_definition(org, data, viewer):
    scope = resolve_scope(org.user(viewer))
    result = figures.funnel(scope, PERIOD)
    expected = _moves_by_hand(scope, PERIOD)
    assert viewer != "admin" or all(expected[s.pk][0] for s in Stage.objects.all())
    assert {s["stage_id"]: (s["entered"], s["advanced"]) for s in result["stages"]} == expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_leakage_matches_the_definition(org, data, viewer):
    scope = resolve_scope(org.user(viewer))
    result = figures.leakage(scope, PERIOD, now=NOW)
    expected = _leakage_by_hand(scope, PERIOD, NOW)
    keys = tuple(expected["totals"])
    assert {k: result[k] for k in keys} == expected["totals"]
    assert {row["source"]: {k: row[k] for k in keys} for row in result["by_source"]} == (
        expected["sources"]
    )
    assert [row["source"] for row in result["by_source"]] == sorted(expected["sources"])
    reps = {row["owner"]: row for row in result["by_rep"]}
    assert set(reps) == set(expected["owners"]) | set(expected["taken"])
    for owner, row in reps.items():
        assert {k: row[k] for k in keys} == expected["owners"].get(owner, dict.fromkeys(keys, 0))
        assert row["taken_back"] == expected["taken"].get(owner, 0)
    assert {r["reason"]: r["count"] for r in result["by_reason"]} == expected["reasons"]
    counts = [r["count"] for r in result["by_reason"]]
    assert counts == sorted(counts, reverse=True)
    for kind in figures.LEAKAGE_KINDS:  # the drill-down lists hold the leads behind each count
        assert figures.leakage_leads(scope, PERIOD, kind, now=NOW).count() == result[kind]


def test_the_random_data_covers_the_cases(org, data):
    assert Lead.objects.filter(state="disqualified", disqualify_reason="").exists()
    assert LeadRecovery.objects.filter(kind="released").exists()
    assert StageHistory.objects.filter(stage__process__for_partner_deals=True).exists()
