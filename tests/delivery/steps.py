"""Helpers of the delivery tests: a signed contract on rep1's deal, orders placed through the
service, and the revenue ledger read back per unit."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from delivery import services
from delivery.models import DeliveryUnit, Order, RevenueEntry

from ..contracts.steps import AMOUNT, NOW, TODAY, fresh, missing_codes

__all__ = ["AMOUNT", "NOW", "TODAY", "fresh", "missing_codes", "order", "revenue_of", "units_of"]


def order(contract, by, *, number="PO-1", amounts=("1000", "2000"), **kwargs):
    """An order whose units have ``amounts``; its amount is their sum unless given."""
    units = [
        {"name": f"Site {i}", "kind": "site", "amount": amount}
        for i, amount in enumerate(amounts, start=1)
    ]
    kwargs.setdefault("amount", sum((Decimal(a) for a in amounts), Decimal("0")))
    return services.create_order(contract=contract, by=by, number=number, units=units, **kwargs)


def units_of(order: Order) -> list[DeliveryUnit]:
    return list(DeliveryUnit.objects.filter(order=order).order_by("pk"))


def revenue_of(unit: DeliveryUnit) -> Decimal:
    return RevenueEntry.objects.filter(unit=unit).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal("0")
