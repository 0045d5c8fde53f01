"""The funnel: deals open in and entering each stage, leads created, conversion per stage."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from opportunities.models import (
    OpportunityState,
    Stage,
)

from ..periods import Period
from ..scope import Scope
from ._base import CLOSED, _in, _money, _sum, default_currency, rate


# Funnel -------------------------------------------------------------------------------------------
def open_in_stage(scope: Scope, stage_id: int) -> QuerySet:
    return scope.opportunities().filter(state=OpportunityState.OPEN, stage_id=stage_id)


def entered_stage(scope: Scope, period: Period, stage_id: int) -> QuerySet:
    entered = scope.stage_history().filter(_in(period, "entered_at"), stage_id=stage_id)
    return scope.opportunities().filter(pk__in=entered.values("opportunity_id"))


def leads_created(scope: Scope, period: Period) -> QuerySet:
    return scope.leads().filter(_in(period, "created_at"))


def _one(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def _stage_moves(scope: Scope, period: Period, stages: list) -> dict[int, tuple[int, int]]:
    """``funnel``'s ``entered`` and ``advanced`` per stage id, in two steps: one row per deal with
    flags (won; entered stage S in the period; reached a later stage of S's process, at any
    time), then the sums of the flags. One grouped pass over the stage history instead of a
    lookup of the later stages for every stay."""
    flags = {
        "won": Max(
            Case(When(opportunity__state=OpportunityState.WON, then=_one(1)), default=_one(0))
        )
    }
    sums = {}
    for stage in stages:
        later = [s.pk for s in stages if s.process_id == stage.process_id and s.order > stage.order]
        entered = Q(stage_id=stage.pk) & _in(period, "entered_at")
        flags[f"e{stage.pk}"] = Max(Case(When(entered, then=_one(1)), default=_one(0)))
        went_on = Q(won=1)
        if later:
            flags[f"l{stage.pk}"] = Max(
                Case(When(stage_id__in=later, then=_one(1)), default=_one(0))
            )
            went_on |= Q(**{f"l{stage.pk}": 1})
        sums[f"entered_{stage.pk}"] = Sum(f"e{stage.pk}")
        sums[f"advanced_{stage.pk}"] = Sum(
            Case(When(Q(**{f"e{stage.pk}": 1}) & went_on, then=_one(1)), default=_one(0))
        )
    if not stages:
        return {}
    totals = (
        scope.stage_history()
        .order_by()
        .values("opportunity_id")
        .annotate(**flags)
        .aggregate(**sums)
    )
    return {
        stage.pk: (totals[f"entered_{stage.pk}"] or 0, totals[f"advanced_{stage.pk}"] or 0)
        for stage in stages
    }


def funnel(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    """The pipeline now and how deals moved through it in the period.

    - ``stages``: for every stage of every process, ``open_count`` and ``open_amount`` of the open
      deals sitting in it now; ``entered``: the deals that entered the stage in the period;
      ``advanced``: those of them that later reached any later stage of their process or were won;
      ``conversion`` = advanced / entered. A fast-track deal that jumped from stage 1 to signing
      counts as entered and advanced in stage 1 and is simply absent from the stages it skipped.
    - ``closed``: deals won, lost and abandoned in the period (closed date), count and amount.
    - ``leads``: of the leads created in the period, how many became an opportunity and how many
      of those were won: ``lead_to_opportunity``, ``opportunity_to_won``, ``lead_to_won``.
    """
    # Over 60 lines on purpose: most of its length is the docstring defining the figure; the code is
    # one grouped query per part.
    currency = currency or default_currency()
    opps = scope.opportunities()
    # COUNT(*), not of the ids: the open deals per stage are then read from opp_state_stage_idx
    # alone (state, stage, amount, currency).
    now_rows = {
        row["stage_id"]: row
        for row in opps.filter(state=OpportunityState.OPEN)
        .order_by()
        .values("stage_id")
        .annotate(count=Count("*"), amount=_sum("amount", currency))
    }
    all_stages = list(
        Stage.objects.select_related("process").order_by(
            "-process__is_default", "process_id", "order"
        )
    )
    moves = _stage_moves(scope, period, all_stages)
    stages = []
    for stage in all_stages:
        held = now_rows.get(stage.pk, {})
        entered, advanced = moves[stage.pk]
        stages.append(
            {
                "stage_id": stage.pk,
                "code": stage.code,
                "name": stage.name,
                "process": str(stage.process),
                "order": stage.order,
                "open_count": held.get("count", 0),
                "open_amount": _money(held.get("amount")),
                "entered": entered,
                "advanced": advanced,
                "conversion": rate(advanced, entered),
            }
        )
    closed = opps.filter(_in(period, "closed_at"), state__in=CLOSED).aggregate(
        **{f"{s}_count": Count("id", filter=Q(state=s)) for s in CLOSED},
        **{f"{s}_amount": _sum("amount", currency, extra=Q(state=s)) for s in CLOSED},
    )
    chain = leads_created(scope, period).aggregate(
        leads=Count("id"),
        opportunities=Count("id", filter=Q(opportunity__isnull=False)),
        won=Count("id", filter=Q(opportunity__state=OpportunityState.WON)),
    )
    return {
        "currency": currency,
        "stages": stages,
        "closed": {
            s.value: {"count": closed[f"{s}_count"], "amount": _money(closed[f"{s}_amount"])}
            for s in CLOSED
        },
        "leads": {
            **chain,
            "lead_to_opportunity": rate(chain["opportunities"], chain["leads"]),
            "opportunity_to_won": rate(chain["won"], chain["opportunities"]),
            "lead_to_won": rate(chain["won"], chain["leads"]),
        },
    }
