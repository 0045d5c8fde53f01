"""Where leads come from and wait: their sources, the pools and the campaigns."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.core.money import currency_field, money_field

from ..querysets import PoolQuerySet


class Source(models.TextChoices):
    CAMPAIGN = "campaign", _("Marketing campaign")
    TRADE_SHOW = "trade_show", _("Trade show")
    WEBSITE = "website", _("Website")
    INBOUND_CALL = "inbound_call", _("Inbound call")
    PARTNER = "partner", _("Partner or agent")
    REFERRAL = "referral", _("Customer referral")
    EMPLOYEE = "employee", _("Employee")
    SOCIAL = "social", _("Social media")


class Pool(models.Model):
    """A lead pool (公海池) of a region or team, or the company's default pool, with its rules."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.OneToOneField(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="pool",
        on_delete=models.PROTECT,
    )
    is_default = models.BooleanField(_("default pool"), default=False)
    first_follow_up_days = models.PositiveSmallIntegerField(
        _("first follow-up within (days)"), default=2, validators=[MinValueValidator(1)]
    )
    follow_up_interval_days = models.PositiveSmallIntegerField(
        _("follow up at least every (days)"), default=7, validators=[MinValueValidator(1)]
    )
    max_held = models.PositiveSmallIntegerField(
        _("most leads a rep may hold"), default=50, validators=[MinValueValidator(1)]
    )
    max_daily_claims = models.PositiveSmallIntegerField(
        _("most claims a rep may make a day"), default=20, validators=[MinValueValidator(1)]
    )
    reclaim_cooldown_days = models.PositiveSmallIntegerField(
        _("days before a rep may re-claim a lead taken from them"), default=7
    )
    warning_hours = models.PositiveSmallIntegerField(
        _("warn the owner this many hours before recovery"),
        default=24,
        validators=[MaxValueValidator(24 * 14)],
    )

    objects = PoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead pool")
        verbose_name_plural = _("lead pools")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_pool"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def first_follow_up(self) -> timedelta:
        return timedelta(days=self.first_follow_up_days)

    @property
    def follow_up_interval(self) -> timedelta:
        return timedelta(days=self.follow_up_interval_days)


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.CAMPAIGN
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    budget = money_field(verbose_name=_("budget"), null=True, blank=True)
    currency = currency_field()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        related_name="campaigns",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True) | models.Q(budget__gte=0),
                name="campaign_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name
