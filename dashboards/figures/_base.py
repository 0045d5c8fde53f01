"""What every figure shares: the currency, sums in one currency, periods as filters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    DecimalField,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from opportunities.models import (
    OpportunityState,
)

from ..periods import Period

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
CLOSED = (OpportunityState.WON, OpportunityState.LOST, OpportunityState.ABANDONED)
NO_SOURCE = "direct"  # deals opened without a lead


def default_currency() -> str:
    return settings.LTC_DEFAULT_CURRENCY


def _sum(expression, currency: str, prefix: str = "", extra: Q | None = None):
    condition = Q(**{f"{prefix}currency": currency})
    if extra is not None:
        condition &= extra
    if isinstance(expression, str):
        expression = F(expression)
    return Coalesce(
        Sum(expression, filter=condition, output_field=MONEY), Value(ZERO), output_field=MONEY
    )


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def rate(part, whole) -> float | None:
    """A share between 0 and 1 (four decimals; not money, so a float), None without a whole."""
    return round(float(part) / float(whole), 4) if whole else None


def _in(period: Period, field: str) -> Q:
    """``field`` (a datetime) falls in the period."""
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _on(period: Period, field: str) -> Q:
    """``field`` (a date) falls in the period."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()
