"""The forecast: open deals weighted by stage, won deals, targets, and the gap's causes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from opportunities.models import (
    OpportunityState,
)

from ..periods import Period, month_start
from ..scope import Scope
from ._base import MONEY, ZERO, _in, _money, _on, _sum, default_currency


# Forecast -----------------------------------------------------------------------------------------
def forecast_deals(scope: Scope, period: Period) -> QuerySet:
    """The open deals expected to close in the period (by ``expected_close_date``)."""
    return scope.opportunities().filter(
        _on(period, "expected_close_date"), state=OpportunityState.OPEN
    )


def won_deals(scope: Scope, period: Period) -> QuerySet:
    return scope.opportunities().filter(_in(period, "closed_at"), state=OpportunityState.WON)


def targets_by_month(scope: Scope, period: Period, currency: str) -> dict[date, Decimal]:
    """The scope's target per month.

    - a rep: the rep's own targets;
    - a team or a manager's teams: the targets entered for the top teams of the scope (a team
      whose parent is outside the scope: for one team, the team itself); in a month where none of
      them has a target, the sum of the targets of the reps in the scope's teams;
    - the company: the same, with the root teams (no parent) as the top teams.
    Targets in another currency are left out.
    """
    from ..models import SalesTarget

    base = SalesTarget.objects.filter(
        month__gte=month_start(period.start), month__lt=period.end, currency=currency
    )
    if scope.owner is not None:
        rows = base.filter(owner=scope.owner).values_list("month").annotate(total=Sum("amount"))
        return {month: _money(total) for month, total in rows}
    if scope.team is not None:
        top = Q(team=scope.team)
        members = Q(owner__team_id__in=scope.team_ids)
    elif scope.team_ids is not None:
        top = Q(team_id__in=scope.team_ids) & ~Q(team__parent_id__in=scope.team_ids)
        members = Q(owner__team_id__in=scope.team_ids)
    else:
        top = Q(team__parent__isnull=True, team__isnull=False)
        members = Q(owner__isnull=False)
    teams = dict(base.filter(top).order_by().values_list("month").annotate(total=Sum("amount")))
    reps = dict(base.filter(members).order_by().values_list("month").annotate(total=Sum("amount")))
    return {month: _money(teams.get(month, reps.get(month))) for month in set(teams) | set(reps)}


def forecast(
    scope: Scope, period: Period, *, currency: str | None = None, today: date | None = None
) -> dict:
    """The weighted forecast per month against the target (智慧漏斗), with the gap's causes.

    Per month m of the period:
    - ``won``: amount of the deals won in m (closed date);
    - ``pipeline``: the open deals expected to close in m whose expected close date has not passed
      yet (today or later), in full; ``weighted``: the same deals × their win probability;
    - ``slipped``: the open deals expected in m whose expected close date has already passed —
      they are still open after the day they should have closed, so the forecast ignores them;
    - ``forecast`` = won + weighted; ``target``: see ``targets_by_month``;
    - ``gap`` = target − forecast when positive, else 0. It is split into three causes that add up
      to it, in this order:
      ``missing_pipeline`` = target − won − pipeline − slipped, when positive: not even every open
      deal closing in full would reach the target — more pipeline is needed;
      ``slipped_dates`` = the part of the rest that the slipped deals would cover (at most their
      amount): deals whose dates slipped, to be re-dated or pushed;
      ``low_conversion`` = what is left, at most pipeline − weighted: the current deals would fill
      it if they closed in full, but their win probability says they will not all close.
    The totals add the months.
    """
    # Over 60 lines on purpose: most of its length is the docstring defining the figure; the code is
    # one grouped query per part.
    currency = currency or default_currency()
    today = today or timezone.localdate()
    past_due = Q(expected_close_date__lt=today)
    weighted_amount = ExpressionWrapper(
        F("amount") * F("probability") / Value(Decimal("100")), output_field=MONEY
    )
    open_rows = {
        row["month"]: row
        for row in forecast_deals(scope, period)
        .annotate(month=TruncMonth("expected_close_date", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(
            count=Count("id"),
            pipeline=_sum("amount", currency, extra=~past_due),
            weighted=_sum(weighted_amount, currency, extra=~past_due),
            slipped=_sum("amount", currency, extra=past_due),
            slipped_count=Count("id", filter=past_due),
        )
    }
    won_rows = {
        row["month"]: row
        for row in won_deals(scope, period)
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("id"), amount=_sum("amount", currency))
    }
    targets = targets_by_month(scope, period, currency)
    months = []
    keys = (
        "target",
        "won",
        "pipeline",
        "weighted",
        "slipped",
        "forecast",
        "gap",
        "missing_pipeline",
        "slipped_dates",
        "low_conversion",
    )
    totals = {key: ZERO for key in keys}
    for month in period.months():
        row, won = open_rows.get(month, {}), won_rows.get(month, {})
        entry = gap_causes(
            target=targets.get(month, ZERO),
            won=_money(won.get("amount")),
            pipeline=_money(row.get("pipeline")),
            weighted=_money(row.get("weighted")),
            slipped=_money(row.get("slipped")),
        )
        entry.update(
            month=month.strftime("%Y-%m"),
            open_count=row.get("count", 0),
            slipped_count=row.get("slipped_count", 0),
            won_count=won.get("count", 0),
        )
        months.append(entry)
        for key in keys:
            totals[key] += entry[key]
    return {"currency": currency, "months": months, "totals": totals}


def gap_causes(
    *, target: Decimal, won: Decimal, pipeline: Decimal, weighted: Decimal, slipped: Decimal
) -> dict:
    """One month of ``forecast``: the forecast, the gap and its three causes (see there)."""
    forecast_amount = won + weighted
    gap = max(ZERO, target - forecast_amount)
    missing = max(ZERO, target - won - pipeline - slipped)
    slipped_part = min(slipped, gap - missing) if gap > missing else ZERO
    return {
        "target": target,
        "won": won,
        "pipeline": pipeline,
        "weighted": weighted,
        "slipped": slipped,
        "forecast": forecast_amount,
        "gap": gap,
        "missing_pipeline": min(missing, gap),
        "slipped_dates": slipped_part,
        "low_conversion": max(ZERO, gap - missing - slipped_part),
    }
