"""Sales targets (销售目标): what a team or a rep should win per month, entered by managers."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.core.money import currency_field, money_field


class SalesTarget(models.Model):
    """The amount a team (its whole subtree) or one rep should win in a month. Exactly one of
    ``team`` and ``owner`` is set; ``month`` is the month's first day."""

    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="sales_targets",
        on_delete=models.CASCADE,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        related_name="sales_targets",
        on_delete=models.CASCADE,
    )
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    amount = money_field(
        verbose_name=_("target amount"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = currency_field()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["-month", "team__name", "owner__username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=True, owner__isnull=False)
                | models.Q(team__isnull=False, owner__isnull=True),
                name="target_team_xor_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="target_amount_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="target_month_first_day"),
            models.UniqueConstraint(
                fields=["team", "month"],
                condition=models.Q(team__isnull=False),
                name="one_target_per_team_month",
            ),
            models.UniqueConstraint(
                fields=["owner", "month"],
                condition=models.Q(owner__isnull=False),
                name="one_target_per_owner_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team or self.owner} {self.month:%Y-%m}: {self.amount} {self.currency}"


class Kpi(models.TextChoices):
    """The manager dashboard's KPI tiles (``kpis.py`` defines each)."""

    LEAD_LEAKAGE = "lead_leakage", _("Lead leakage")
    WIN_RATE = "win_rate", _("Win rate")
    REVIEW_FLOW = "review_flow", _("Review flow time")
    ORDER_TO_CASH = "order_to_cash", _("Order to cash")
    DSO = "dso", _("Days sales outstanding")
    COMPLAINT_RATE = "complaint_rate", _("Complaint rate")


class KpiTarget(models.Model):
    """The target of one of the manager dashboard's KPI tiles (``kpis.py``), set by an admin.
    Without a row the tile compares with the KPI's default target."""

    kpi = models.CharField(_("KPI"), max_length=30, choices=Kpi.choices, unique=True)
    target = models.DecimalField(
        _("target"),
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A share as a fraction (0.25 for 25%), a duration in days"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__gte=0), name="kpi_target_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.target}"
