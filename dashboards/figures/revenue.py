"""Revenue recognised and receivables (aging, DSO)."""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.utils import timezone

from ..periods import Period
from ..scope import Scope
from ._base import ZERO, _money, _on, _sum, default_currency
from .cycles import order_to_cash_days


# Revenue and receivables --------------------------------------------------------------------------
def revenue(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    """Revenue recognised per month (the delivery ledger: recognised on acceptance in the month of
    the acceptance date, minus the reversals of corrections), and ``delivered_not_accepted``: the
    units shipped and not yet accepted now (goods at risk, no revenue yet), count and value."""
    currency = currency or default_currency()
    from delivery.models import RevenueEntry, UnitState

    rows = {
        row["period"]: row
        for row in scope.revenue()
        .filter(_on(period, "period"))
        .order_by()
        .values("period")
        .annotate(
            recognised=_sum("amount", currency, extra=Q(kind=RevenueEntry.Kind.RECOGNITION)),
            reversed=_sum("amount", currency, extra=Q(kind=RevenueEntry.Kind.REVERSAL)),
            net=_sum("amount", currency),
            entries=Count("id"),
        )
    }
    months, total = [], ZERO
    for month in period.months():
        row = rows.get(month, {})
        net = _money(row.get("net"))
        total += net
        months.append(
            {
                "month": month.strftime("%Y-%m"),
                "recognised": _money(row.get("recognised")),
                "reversed": _money(row.get("reversed")),
                "net": net,
                "entries": row.get("entries", 0),
            }
        )
    waiting = (
        scope.units()
        .filter(state=UnitState.SHIPPED)
        .aggregate(count=Count("id"), amount=_sum("amount", currency, prefix="order__"))
    )
    return {
        "currency": currency,
        "months": months,
        "total": total,
        "delivered_not_accepted": {"count": waiting["count"], "amount": _money(waiting["amount"])},
    }


def receivables(
    scope: Scope, period: Period, *, currency: str | None = None, today: date | None = None
) -> dict:
    """What customers owe now and how fast they pay, from billing's definitions
    (``billing.selectors``) over the scope's invoices:

    - ``aging``: the outstanding amount (issued, not fully paid: amount − paid) of the open
      invoices by days past due today: not due yet, 0–30 (due today included), 31–60, 61–90,
      over 90; ``customers``: the same per customer, largest first (top 20);
    - ``dso``: days sales outstanding = outstanding now / invoiced in the last 90 days × 90;
    - ``invoiced``: invoices issued in the period (voided ones excluded); ``collected``: payments
      allocated in the period to the scope's invoices (a payment split over invoices counts with
      each invoice's share);
    - ``order_to_cash``: see ``order_to_cash_days``.
    """
    from billing import selectors
    from billing.models import Allocation

    currency = currency or default_currency()
    today = today or timezone.localdate()
    invoices = scope.invoices().filter(currency=currency)
    buckets = ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90", "total")
    totals = selectors.receivables_totals(
        invoices, today=today, since=period.start, until=period.end
    )
    customers = [
        {
            "customer": row["customer"],
            "name": row["customer__name"],
            "invoice_count": row["invoice_count"],
            **{name: _money(row[name]) for name in buckets},
        }
        for row in selectors.aging_by_customer(invoices, today=today)[:20]
    ]
    # The aging total is what DSO counts as outstanding (the same open invoices).
    dso = selectors.dso_row(totals["total"], totals["sales"])
    collected = (
        Allocation.objects.live()
        .filter(
            invoice__in=invoices.values("pk"),
            allocated_on__gte=period.start,
            allocated_on__lt=period.end,
        )
        .aggregate(total=Sum("amount"))["total"]
    )
    return {
        "currency": currency,
        "today": today,
        "aging": {
            "invoice_count": totals["invoice_count"],
            **{name: _money(totals[name]) for name in buckets},
        },
        "customers": customers,
        "dso": {key: dso[key] for key in ("outstanding", "sales", "days", "dso")},
        "invoiced": _money(totals["invoiced"]),
        "collected": _money(collected),
        "order_to_cash": order_to_cash_days(scope, period),
    }
