"""The KPI tiles the manager's dashboard opens with: each KPI of the period against the previous
period and its target, and whether it moved the right way.

- ``lead_leakage``: the share of the period's leads whose follow-up was missed (``leakage``'s
  ``missed_share``); lower is better;
- ``win_rate``: won / closed over the deals closed in the period (``win_rate``); higher is better;
- ``review_flow``: the median days from a review's request to its decision, over the reviews of
  every kind decided in the period; lower is better;
- ``order_to_cash``: the median order-to-cash days (``order_to_cash.py``); lower is better;
- ``dso``: days sales outstanding today (``receivables``). A snapshot of today: the previous
  period has none (what was outstanding then is not kept), so it shows no trend; lower is better;
- ``complaint_rate``: complaints on contracts per contract signed (``complaints``); lower is better.

The previous period is the one just before, of the same kind: the previous year, quarter or
month, or as many days before a custom range. Targets are ``KpiTarget`` rows (the admin sets
them), else ``DEFAULT_TARGETS``. The current values come from the figures the page already
computed; the previous ones cost one or two queries each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from opportunities.models import OpportunityState

from . import complaint_figures, figures
from .models import Kpi, KpiTarget
from .params import FigureRequest
from .periods import Period
from .stats import days, nearest_rank

DEFAULT_TARGETS = {
    Kpi.LEAD_LEAKAGE: Decimal("0.10"),
    Kpi.WIN_RATE: Decimal("0.30"),
    Kpi.REVIEW_FLOW: Decimal("2"),
    Kpi.ORDER_TO_CASH: Decimal("60"),
    Kpi.DSO: Decimal("45"),
    Kpi.COMPLAINT_RATE: Decimal("0.05"),
}


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    kind: str  # share, days or ratio (how the value is shown)
    higher_is_better: bool
    section: str  # the dashboard section that explains it
    drill: dict  # the records behind the value (``cells.records``)


DEFINITIONS = (
    KpiDefinition(
        Kpi.LEAD_LEAKAGE, "share", False, "leakage", {"figure": "leakage", "key": "missed"}
    ),
    KpiDefinition(Kpi.WIN_RATE, "share", True, "win_rate", {"figure": "closed_all", "key": "all"}),
    KpiDefinition(
        Kpi.REVIEW_FLOW, "days", False, "cycle_times", {"figure": "reviews_all", "key": "all"}
    ),
    KpiDefinition(
        Kpi.ORDER_TO_CASH, "days", False, "cycle_times", {"figure": "chain", "key": "order_to_cash"}
    ),
    KpiDefinition(Kpi.DSO, "days", False, "receivables", {"figure": "receivable", "key": "total"}),
    KpiDefinition(
        Kpi.COMPLAINT_RATE, "ratio", False, "complaints", {"figure": "complaints", "key": "opened"}
    ),
)


def previous_period(period: Period) -> Period:
    """The period just before, of the same kind (whole months shift by their number of months)."""
    months = period.months()
    whole_months = period.start.day == 1 and period.end.day == 1
    if whole_months:
        start = period.start
        for _month in months:
            start = (start - timedelta(days=1)).replace(day=1)
        end = period.start
    else:
        length = period.end - period.start
        start, end = period.start - length, period.start
    label = f"{start.isoformat()}–{(end - timedelta(days=1)).isoformat()}"
    if whole_months and len(months) == 1:
        label = start.strftime("%Y-%m")
    elif whole_months and len(months) == 12 and start.month == 1:
        label = str(start.year)
    return Period(start, end, label)


def review_flow_days(scope, period: Period) -> float | None:
    """The median days from request to decision of the reviews decided in the period."""
    decided = scope.reviews().filter(
        decided_at__gte=period.start_at,
        decided_at__lt=period.end_at,
        duration_seconds__isnull=False,
    )
    return days(
        nearest_rank(decided, F("duration_seconds"), percentiles=(50,)).get(None, {}).get(50)
    )


def _current(figure: FigureRequest, results: dict) -> dict:
    summary = results["complaints"]["summary"]
    return {
        Kpi.LEAD_LEAKAGE: results["leakage"]["missed_share"],
        Kpi.WIN_RATE: results["win_rate"]["win_rate"],
        Kpi.REVIEW_FLOW: review_flow_days(figure.scope, figure.period),
        Kpi.ORDER_TO_CASH: results["cycle_times"]["order_to_cash"]["median"],
        Kpi.DSO: results["receivables"]["dso"]["dso"],
        Kpi.COMPLAINT_RATE: summary["rate_per_contract"],
    }


def _previous(figure: FigureRequest, period: Period) -> dict:
    scope = figure.scope
    leads = figures.leads_created(scope, period).aggregate(
        total=Count("id"),
        missed=Count("id", filter=figures.leakage_filters(timezone.now())["missed"]),
    )
    closed = figures.closed_deals(scope, period).aggregate(
        closed=Count("id"), won=Count("id", filter=Q(state=OpportunityState.WON))
    )
    on_contracts = complaint_figures.opened(scope, period).filter(contract__isnull=False).count()
    contracts = complaint_figures.signed_contracts(scope, period).count()
    return {
        Kpi.LEAD_LEAKAGE: figures.rate(leads["missed"], leads["total"]),
        Kpi.WIN_RATE: figures.rate(closed["won"], closed["closed"]),
        Kpi.REVIEW_FLOW: review_flow_days(scope, period),
        Kpi.ORDER_TO_CASH: figures.order_to_cash_days(scope, period)["median"],
        Kpi.DSO: None,
        Kpi.COMPLAINT_RATE: complaint_figures._ratio(on_contracts, contracts),
    }


def targets() -> dict[str, Decimal]:
    """The KPI targets: the admin's, else the defaults (one query)."""
    return {**DEFAULT_TARGETS, **dict(KpiTarget.objects.values_list("kpi", "target"))}


def _number(value) -> float | None:
    return None if value is None else float(value)


def _trend(definition: KpiDefinition, value, previous) -> str | None:
    if value is None or previous is None:
        return None
    if value == previous:
        return "same"
    return "better" if (value > previous) == definition.higher_is_better else "worse"


def _met(definition: KpiDefinition, value, target) -> bool | None:
    if value is None:
        return None
    return value >= target if definition.higher_is_better else value <= target


def tiles(figure: FigureRequest, results: dict) -> dict:
    """``{"previous": Period, "tiles": [...]}``: per KPI its ``value``, ``previous``, ``target``
    (numbers: shares as fractions, days, ratios), ``met``, ``trend`` (better, worse, same, None)
    and ``delta`` (value − previous)."""
    period = previous_period(figure.period)
    now, before, goals = _current(figure, results), _previous(figure, period), targets()
    rows = []
    for definition in DEFINITIONS:
        value, previous = _number(now[definition.code]), _number(before[definition.code])
        target = float(goals[definition.code])
        rows.append(
            {
                "code": definition.code,
                "label": Kpi(definition.code).label,
                "kind": definition.kind,
                "section": definition.section,
                "drill": definition.drill,
                "value": value,
                "previous": previous,
                "target": target,
                "met": _met(definition, value, target),
                "trend": _trend(definition, value, previous),
                "delta": None if value is None or previous is None else round(value - previous, 4),
            }
        )
    return {"previous": period, "tiles": rows}
