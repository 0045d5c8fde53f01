"""Complaints and after-sales (ITR): how often customers complain, whether we keep the SLA, and
how long resolving takes.

- Complaint rate per contract: the complaints opened in the period on a contract (or its orders
  and units), over the contracts in scope signed by the end of the period (signed, executing or
  closed); per customer: every complaint opened in the period over those contracts' customers.
- SLA breaches: complaints opened in the period that were answered or resolved after their due
  time, or are still waiting past it (the rule of the complaint list's "SLA breached" filter).
- Time to resolve: median and 90th percentile hours from opening to resolution, over the
  complaints resolved in the period.
The tables list the contracts and customers with the most complaints; their rows and the chart's
bars lead to the complaints behind them."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .figures import _duration, _in, rate
from .periods import Period
from .scope import Scope
from .stats import nearest_rank

TOP_ROWS = 20


def _hours(value) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 3600, 1)


def in_scope(scope: Scope) -> QuerySet:
    """The complaints of the scope as its viewer sees them: those on the scope's deals, owned by
    its person, or booked to its teams."""
    from complaints.models import Complaint

    complaints = Complaint.objects.visible_to(scope.viewer)
    if scope.owner is None and scope.team_ids is None:
        return complaints  # the company
    q = scope.deal_q("contract__opportunity__")
    if scope.owner is not None:
        q |= Q(owner=scope.owner)
    if scope.team_ids is not None:
        q |= Q(team_id__in=scope.team_ids)
    return complaints.filter(q)


def opened(scope: Scope, period: Period) -> QuerySet:
    return in_scope(scope).filter(_in(period, "opened_at"))


def signed_contracts(scope: Scope, period: Period) -> QuerySet:
    from contracts.models import ACTIVE_STATES, Contract, ContractState

    return Contract.objects.filter(
        opportunity__in=scope.opportunities().values("pk"),
        state__in=[*ACTIVE_STATES, ContractState.CLOSED],
        signed_on__lt=period.end,
    )


def _late(now) -> Q:
    from complaints.filters import breached_q

    return breached_q(now)


def _rows(queryset: QuerySet, group: list[str], late: Q) -> list[dict]:
    return list(
        queryset.order_by()
        .values(*group)
        .annotate(complaints=Count("id"), breached=Count("id", filter=late))
        .order_by("-complaints", "-breached", group[0])[:TOP_ROWS]
    )


def complaints(scope: Scope, period: Period, *, now=None) -> dict:
    from complaints.models import Severity

    now = now or timezone.now()
    late = _late(now)
    qs = opened(scope, period)
    totals = qs.aggregate(
        opened=Count("id"),
        on_contracts=Count("id", filter=Q(contract__isnull=False)),
        breached=Count("id", filter=late),
    )
    signed = signed_contracts(scope, period).aggregate(
        contracts=Count("id"), customers=Count("customer", distinct=True)
    )
    spread = nearest_rank(
        in_scope(scope).filter(_in(period, "resolved_at")), _duration("resolved_at", "opened_at")
    ).get(None, {})
    summary = {
        "key": "opened",
        **totals,
        **signed,
        "rate_per_contract": _ratio(totals["on_contracts"], signed["contracts"]),
        "rate_per_customer": _ratio(totals["opened"], signed["customers"]),
        "breach_share": rate(totals["breached"], totals["opened"]),
        "resolved": spread.get("count", 0),
        "median_hours_to_resolve": _hours(spread.get(50)),
        "p90_hours_to_resolve": _hours(spread.get(90)),
    }
    by_severity = {r["severity"]: r for r in _rows(qs, ["severity"], late)}
    return {
        "summary": summary,
        "by_severity": [
            {
                "severity": value,
                "name": label,
                "complaints": by_severity.get(value, {}).get("complaints", 0),
                "breached": by_severity.get(value, {}).get("breached", 0),
            }
            for value, label in Severity.choices
        ],
        "by_contract": _rows(
            qs.filter(contract__isnull=False),
            ["contract", "contract__number", "customer__name"],
            late,
        ),
        "by_customer": _rows(qs, ["customer", "customer__name"], late),
    }


def _ratio(part: int, whole: int) -> float | None:
    """Complaints per contract (or customer): may exceed one, two decimals."""
    return round(part / whole, 2) if whole else None


def records(scope: Scope, period: Period, kind: str, key: str) -> QuerySet:
    """The complaints behind a figure: ``kind`` is contract, customer or severity (``key`` its
    id or code), or ``all`` (``key``: opened, breached or resolved)."""
    from complaints.models import Severity

    qs = opened(scope, period)
    if kind == "contract":
        return qs.filter(contract_id=int(key))
    if kind == "customer":
        return qs.filter(customer_id=int(key))
    if kind == "severity" and key in Severity.values:
        return qs.filter(severity=key)
    if kind == "all" and key == "opened":
        return qs
    if kind == "all" and key == "breached":
        return qs.filter(_late(timezone.now()))
    if kind == "all" and key == "resolved":
        return in_scope(scope).filter(_in(period, "resolved_at"))
    raise ValueError(_("Unknown complaint figure."))
