"""Tenders (投标): how the bids ended, how often we win them, and the bid bonds still out.

- By result: the tenders decided in the period (won, lost, cancelled; by when the result was
  recorded) with their submitted prices, and the tenders in progress now.
- Bid win rate: won over won plus lost in the period (a cancelled tender is neither).
- Bonds outstanding: bid bonds paid and not returned, now — on tenders still in progress, and on
  decided ones whose bond is waiting to come back (the money finance chases).

Every tender is read through its deal: the scope's deals, so no figure counts a tender its
viewer could not open (a tender has exactly its deal's scope)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .figures import ZERO, _in, _money, _sum, default_currency, rate
from .periods import Period
from .scope import Scope

BOND_GROUPS = {
    "in_progress": Q(state__in=["preparing", "submitted"]),
    "awaiting_return": Q(state__in=["won", "lost", "cancelled"]),
}
DECIDED = ("won", "lost", "cancelled")
ACTIVE = ("preparing", "submitted")


def scoped_tenders(scope: Scope) -> QuerySet:
    from tenders.models import Tender

    return Tender.objects.filter(opportunity__in=scope.opportunities().values("pk"))


def decided_tenders(scope: Scope, period: Period) -> QuerySet:
    return scoped_tenders(scope).filter(_in(period, "decided_at"), state__in=DECIDED)


def outstanding_bonds(scope: Scope) -> QuerySet:
    return scoped_tenders(scope).filter(bond_amount__gt=0, bond_returned_on__isnull=True)


def _results(scope: Scope, period: Period, currency: str) -> list[dict]:
    from tenders.models import TenderState

    names = dict(TenderState.choices)
    counts = {}
    for queryset in (
        decided_tenders(scope, period),
        scoped_tenders(scope).filter(state__in=ACTIVE),
    ):
        for row in (
            queryset.order_by()
            .values("state")
            .annotate(
                count=Count("id"),
                amount=_sum("submitted_price", currency, prefix="price_"),
            )
        ):
            counts[row["state"]] = row
    return [
        {
            "key": state,
            "name": names[state],
            "count": counts.get(state, {}).get("count", 0),
            "amount": _money(counts.get(state, {}).get("amount")),
        }
        for state in (*DECIDED, *ACTIVE)
    ]


def _bonds(scope: Scope, currency: str) -> list[dict]:
    names = {
        "in_progress": _("Tender in progress"),
        "awaiting_return": _("Result known, not returned"),
    }
    aggregates = {
        f"{key}_{what}": (
            Count("id", filter=q)
            if what == "count"
            else _sum("bond_amount", currency, prefix="bond_", extra=q)
        )
        for key, q in BOND_GROUPS.items()
        for what in ("count", "amount")
    }
    row = outstanding_bonds(scope).aggregate(**aggregates)
    return [
        {
            "key": key,
            "name": names[key],
            "count": row[f"{key}_count"],
            "amount": _money(row[f"{key}_amount"]),
        }
        for key in BOND_GROUPS
    ]


def tenders(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    currency = currency or default_currency()
    results = _results(scope, period, currency)
    by_state = {row["key"]: row for row in results}
    won, lost = by_state["won"]["count"], by_state["lost"]["count"]
    bonds = _bonds(scope, currency)
    return {
        "currency": currency,
        "results": results,
        "summary": {
            "decided": won + lost + by_state["cancelled"]["count"],
            "won": won,
            "lost": lost,
            "win_rate": rate(won, won + lost),
            "won_amount": by_state["won"]["amount"],
        },
        "bonds": bonds,
        "bonds_total": _money(sum((b["amount"] for b in bonds), ZERO)),
    }


def result_tenders(scope: Scope, period: Period, key: str) -> QuerySet:
    """The tenders behind a result row: decided in the period, or in progress now."""
    if key in DECIDED:
        return decided_tenders(scope, period).filter(state=key)
    return scoped_tenders(scope).filter(state=key)


def bond_tenders(scope: Scope, key: str, currency: str) -> QuerySet:
    return outstanding_bonds(scope).filter(BOND_GROUPS[key], bond_currency=currency)
