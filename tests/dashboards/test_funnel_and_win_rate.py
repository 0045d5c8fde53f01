"""The funnel and the win rate on hand-built deals whose right answers are worked out by hand."""

from decimal import Decimal

import pytest
from django.db.models import Count

from dashboards import figures
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope

from .builders import deal, lead

pytestmark = pytest.mark.django_db

YEAR = parse_period("2026")


def by_code(result):
    return {row["code"]: row for row in result["stages"]}


@pytest.fixture
def pipeline(org):
    """Four team-1 deals entering stages in 2026:
    - a B deal verify → approval → needs analysis, still open there (500,000);
    - a fast-track C deal that jumped from verify straight to negotiation and was won (300,000);
    - a D deal that stayed in verify and was lost to Rival (50,000);
    - an open deal of rep3 (team 2) in verify (700,000) — outside team 1.
    """
    a = deal(
        org.rep1,
        amount="500000",
        history=[
            ("verify", "2026-01-10", "2026-02-01"),
            ("approval", "2026-02-01", "2026-03-01"),
            ("needs_analysis", "2026-03-01", ""),
        ],
    )
    c = deal(
        org.rep2,
        amount="300000",
        grade="C",
        state="won",
        closed="2026-05-20",
        history=[
            ("verify", "2026-02-10", "2026-03-10"),
            ("negotiation", "2026-03-10", "2026-05-20"),
        ],
    )
    d = deal(
        org.rep1,
        amount="50000",
        grade="D",
        state="lost",
        closed="2026-04-01",
        loss_reason="price",
        loss_competitor="Rival",
        history=[("verify", "2026-03-01", "2026-04-01")],
    )
    other = deal(org.rep3, amount="700000", history=[("verify", "2026-01-02", "")])
    return a, c, d, other


def test_stage_conversion_counts_a_fast_track_jump_as_advanced_and_skips_the_jumped_stages(
    org, pipeline
):
    result = figures.funnel(resolve_scope(org.manager), YEAR)
    stages = by_code(result)
    assert (stages["verify"]["entered"], stages["verify"]["advanced"]) == (3, 2)
    assert stages["verify"]["conversion"] == pytest.approx(2 / 3, abs=1e-4)
    assert (stages["approval"]["entered"], stages["approval"]["advanced"]) == (1, 1)
    assert (stages["needs_analysis"]["entered"], stages["needs_analysis"]["advanced"]) == (1, 0)
    # The C deal jumped over stages 2–6: they do not count it, and signing converts it (won).
    for skipped in ("value_presentation", "bid_preparation", "bidding"):
        assert stages[skipped]["entered"] == 0 and stages[skipped]["conversion"] is None
    assert (stages["negotiation"]["entered"], stages["negotiation"]["advanced"]) == (1, 1)


def test_open_pipeline_per_stage_is_the_open_deals_now(org, pipeline):
    stages = by_code(figures.funnel(resolve_scope(org.manager), YEAR))
    assert stages["needs_analysis"]["open_count"] == 1
    assert stages["needs_analysis"]["open_amount"] == Decimal("500000.00")
    assert stages["verify"]["open_count"] == 0  # rep3's deal is team 2's
    company = by_code(figures.funnel(resolve_scope(org.admin), YEAR))
    assert company["verify"]["open_count"] == 1
    assert company["verify"]["open_amount"] == Decimal("700000.00")


def test_closed_deals_and_the_lead_chain(org, pipeline):
    leads = [lead(created="2026-01-03", owner=org.rep1) for _ in range(4)]
    a, c, d, _other = pipeline
    for item, opp in ((leads[0], a), (leads[1], c)):
        opp.lead = item
        opp.save(update_fields=["lead"])
    result = figures.funnel(resolve_scope(org.manager), YEAR)
    assert result["closed"]["won"] == {"count": 1, "amount": Decimal("300000.00")}
    assert result["closed"]["lost"] == {"count": 1, "amount": Decimal("50000.00")}
    assert result["leads"] == {
        "leads": 4,
        "opportunities": 2,
        "won": 1,
        "lead_to_opportunity": 0.5,
        "opportunity_to_won": 0.5,
        "lead_to_won": 0.25,
    }


def test_an_empty_period_has_zero_counts_and_no_rates(org, pipeline):
    result = figures.funnel(resolve_scope(org.manager), parse_period("2024"))
    assert all(row["entered"] == 0 and row["conversion"] is None for row in result["stages"])
    assert result["leads"]["lead_to_won"] is None
    assert result["closed"]["won"]["count"] == 0


def test_a_rep_sees_only_their_own_deals(org, pipeline):
    stages = by_code(figures.funnel(resolve_scope(org.rep1), YEAR))
    assert stages["verify"]["entered"] == 2  # the B deal and the lost D deal, not rep2's C deal
    assert stages["negotiation"]["entered"] == 0


def test_win_rate_by_grade_rep_source_and_the_loss_reasons(org, pipeline):
    a, c, d, _other = pipeline
    deal(org.rep2, amount="80000", state="abandoned", closed="2026-06-01", loss_reason="budget")
    deal(org.rep1, amount="90000", state="won", closed="2025-12-31")  # another period
    c.lead = lead(created="2026-01-03", owner=org.rep2, source="trade_show", state="converted")
    c.save(update_fields=["lead"])
    result = figures.win_rate(resolve_scope(org.manager), YEAR)
    assert (result["closed"], result["won"], result["lost"], result["abandoned"]) == (3, 1, 1, 1)
    assert result["win_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["amount_win_rate"] == pytest.approx(300000 / 430000, abs=1e-4)
    grades = {row["grade"]: row["win_rate"] for row in result["by_grade"]}
    assert grades == {"B": 0.0, "C": 1.0, "D": 0.0}
    owners = {row["owner"]: (row["won"], row["closed"]) for row in result["by_owner"]}
    assert owners == {org.rep1.pk: (0, 1), org.rep2.pk: (1, 2)}
    sources = {row["source"]: row["win_rate"] for row in result["by_source"]}
    assert sources == {"trade_show": 1.0, "direct": 0.0}
    assert [row["team"] for row in result["by_team"]] == [org.team1.pk]
    reasons = {row["reason"]: (row["count"], row["amount"]) for row in result["loss_reasons"]}
    assert reasons == {"price": (1, Decimal("50000.00")), "budget": (1, Decimal("80000.00"))}
    assert result["competitors"] == [
        {"competitor": "Rival", "count": 1, "amount": Decimal("50000.00")}
    ]


def test_the_deals_behind_a_win_rate_row_are_the_ones_counted(org, pipeline):
    a, c, d, _other = pipeline
    scope = resolve_scope(org.manager)
    assert list(figures.win_rate_deals(scope, YEAR, "grade", "C")) == [c]
    assert list(figures.win_rate_deals(scope, YEAR, "competitor", "Rival")) == [d]
    assert list(figures.win_rate_deals(scope, YEAR, "source", "direct").order_by("pk")) == [c, d]


def test_amounts_in_another_currency_count_but_add_no_amount(org):
    deal(org.rep1, amount="1000", currency="USD", state="won", closed="2026-02-01")
    result = figures.win_rate(resolve_scope(org.rep1), YEAR)
    assert result["won"] == 1 and result["won_amount"] == Decimal("0.00")
    usd = figures.win_rate(resolve_scope(org.rep1), YEAR, currency="USD")
    assert usd["won_amount"] == Decimal("1000.00")


def test_every_win_rate_grouping_matches_its_own_grouped_query(org, pipeline):
    """The win rate reads the closed deals once and groups them every way in one statement; each
    grouping must give the rows and the order one ``values().annotate()`` query per grouping
    gives (the former definition), amounts in the currency only, with an empty grouping empty."""
    deal(org.rep2, amount="80000", state="abandoned", closed="2026-06-01", loss_reason="budget")
    deal(org.rep3, amount="1234.56", state="lost", closed="2026-07-01", loss_reason="price")
    deal(org.rep3, amount="99.99", currency="USD", state="won", closed="2026-08-01")
    deal(org.rep1, amount="70000", state="lost", closed="2026-09-01", loss_competitor="Other")
    for viewer in (org.manager, org.rep1, org.rep3):
        for currency in ("CNY", "USD"):
            scope = resolve_scope(viewer)
            result = figures.win_rate(scope, YEAR, currency=currency)
            closed = figures.closed_deals(scope, YEAR)
            counts = figures._win_counts(currency)
            assert _same(result, figures._win_row(closed.aggregate(**counts)))
            expected = [
                figures._win_row(row)
                for row in closed.order_by().values("grade").annotate(**counts).order_by("grade")
            ]
            assert [_figures(row) for row in result["by_grade"]] == expected
            teams = closed.order_by().values("team_id").annotate(**counts).order_by("team__name")
            assert [row["team"] for row in result["by_team"]] == [row["team_id"] for row in teams]
            owners = {
                row["owner_id"]: figures._win_row(row)
                for row in closed.order_by().values("owner_id").annotate(**counts)
            }
            assert {row["owner"]: _figures(row) for row in result["by_owner"]} == owners
            sources = closed.order_by().values("lead__source").annotate(**counts)
            assert [_figures(row) for row in result["by_source"]] == [
                figures._win_row(row) for row in sources.order_by("lead__source")
            ]
            lost = closed.exclude(state="won").order_by().values("loss_reason")
            reasons = lost.annotate(
                count=Count("id"), amount=figures._sum("amount", currency)
            ).order_by("-count", "loss_reason")
            assert [
                (row["reason"], row["count"], row["amount"]) for row in result["loss_reasons"]
            ] == [
                (row["loss_reason"], row["count"], figures._money(row["amount"])) for row in reasons
            ]
            rivals = (
                closed.filter(state="lost")
                .exclude(loss_competitor="")
                .order_by()
                .values("loss_competitor")
                .annotate(count=Count("id"), amount=figures._sum("amount", currency))
                .order_by("-count", "loss_competitor")
            )
            assert result["competitors"] == [
                {
                    "competitor": row["loss_competitor"],
                    "count": row["count"],
                    "amount": figures._money(row["amount"]),
                }
                for row in rivals
            ]
    empty = figures.win_rate(resolve_scope(org.rep1), parse_period("2020"))
    assert (empty["closed"], empty["won_amount"], empty["win_rate"]) == (0, Decimal("0.00"), None)
    assert empty["by_grade"] == empty["loss_reasons"] == empty["competitors"] == []


FIGURES = (
    "closed",
    "won",
    "lost",
    "abandoned",
    "won_amount",
    "closed_amount",
    "win_rate",
    "amount_win_rate",
)


def _figures(row):
    return {key: row[key] for key in FIGURES}


def _same(result, expected):
    return _figures(result) == expected
