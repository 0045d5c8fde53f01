"""What quotes and contracts share: the margin, and the commercial policy (one row)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.core.models import SingleRowSettings

HUNDRED = Decimal("100")


def margin_of(amount: Decimal | None, cost: Decimal | None) -> Decimal | None:
    """The margin in percent of ``amount`` left after ``cost``; None when either is unknown."""
    if amount is None or cost is None or amount <= 0:
        return None
    return ((amount - cost) * HUNDRED / amount).quantize(Decimal("0.01"))


class CommercialPolicy(SingleRowSettings):
    """Thresholds of the commercial approvals (one row; edited in the admin)."""

    quote_discount_threshold = models.DecimalField(
        _("a quote line discount above this (%) needs a manager's approval"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    margin_floor = models.DecimalField(
        _("a contract margin under this (%) escalates its review to a second approver"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("15"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("commercial policy")
        verbose_name_plural = _("commercial policy")

    def __str__(self) -> str:
        return f"discount ≤ {self.quote_discount_threshold}% · margin ≥ {self.margin_floor}%"
