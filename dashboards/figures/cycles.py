"""Cycle times of the chain's steps, and order to cash."""

from __future__ import annotations

from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    QuerySet,
)

from opportunities.models import (
    ReviewKind,
    Stage,
)

from ..periods import Period
from ..scope import Scope
from ..stats import days, nearest_rank
from ._base import _in, _on
from .forecast import won_deals


# Cycle times --------------------------------------------------------------------------------------
def _duration(end: str, start: str):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _spread(entry: dict | None, convert=days) -> dict:
    entry = entry or {}
    return {
        "count": entry.get("count", 0),
        "median": convert(entry.get(50)),
        "p90": convert(entry.get(90)),
    }


def cycle_times(scope: Scope, period: Period) -> dict:
    """How long things take, as median and 90th percentile days (nearest rank):

    - ``stages``: time spent in each stage, over the stage stays that ended in the period (from
      entering the stage to leaving it; a deal that skipped a stage has no stay there);
    - ``reviews``: document flow time per review kind — requested to decided — over the reviews
      decided in the period;
    - ``lead_to_win``: from the lead's creation to the win, over the deals won in the period that
      came from a lead;
    - ``order_to_cash``: see ``order_to_cash_days``.
    """
    stays = nearest_rank(
        scope.stage_history().filter(_in(period, "exited_at")),
        _duration("exited_at", "entered_at"),
        group="stage_id",
    )
    stages = [
        {
            "stage_id": stage.pk,
            "code": stage.code,
            "name": stage.name,
            "process": str(stage.process),
            **_spread(stays.get(stage.pk)),
        }
        for stage in Stage.objects.select_related("process").order_by(
            "-process__is_default", "process_id", "order"
        )
    ]
    flows = nearest_rank(
        scope.reviews().filter(_in(period, "decided_at"), duration_seconds__isnull=False),
        F("duration_seconds"),
        group="kind",
    )
    kinds = dict(ReviewKind.choices)
    reviews = [
        {"kind": kind, "label": str(label), **_spread(flows.get(kind))}
        for kind, label in kinds.items()
    ]
    lead_to_win = nearest_rank(
        won_deals(scope, period).filter(lead__isnull=False),
        _duration("closed_at", "lead__created_at"),
    )
    return {
        "stages": stages,
        "reviews": reviews,
        "lead_to_win": _spread(lead_to_win.get(None)),
        "order_to_cash": order_to_cash_days(scope, period),
    }


def paid_invoices(scope: Scope, period: Period) -> QuerySet:
    """The invoices paid in full in the period (``paid_on``), with their order-to-cash days
    (``o2c_start``, ``o2c_days``: see ``order_to_cash.py``)."""
    from ..order_to_cash import cash_ends

    paid = scope.invoices().filter(_on(period, "paid_on"), cash_days__isnull=False)
    return paid.annotate(**cash_ends())


def order_to_cash_days(scope: Scope, period: Period) -> dict:
    """Order-to-cash days (``o2c_days``, see ``order_to_cash.py``): from the contract's signing to
    the day the invoice was paid in full, over the invoices paid in full in the period. A payment
    split over several invoices pays each on its own date; an invoice paid by several payments
    counts once, on the day the last one settled it. Median and 90th percentile (nearest rank) and
    the average (one decimal, as billing rounds it)."""
    from billing import selectors

    ranks = nearest_rank(paid_invoices(scope, period), F("o2c_days"), average=True).get(None)
    average = selectors.average_days(ranks["average"]) if ranks else None
    return {
        **_spread(ranks, convert=_whole_days),
        "average": None if average is None else float(average),
    }


def _whole_days(value) -> float | None:
    return None if value is None else float(value)
