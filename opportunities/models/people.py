"""Who else is in the sale: the customer's decision chain and the competitors."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .deals import Opportunity


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    TECHNICAL = "technical", _("Technical evaluator")
    USER = "user", _("User")
    INFLUENCER = "influencer", _("Influencer")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class DecisionChainMember(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, related_name="decision_chain", on_delete=models.CASCADE
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), related_name="+", on_delete=models.PROTECT
    )
    role = models.CharField(_("role in the decision"), max_length=20, choices=DecisionRole.choices)
    attitude = models.CharField(
        _("attitude"), max_length=20, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("decision-chain member")
        verbose_name_plural = _("decision chain")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="contact_once_per_chain"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} ({self.role}, {self.attitude})"


class Competitor(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, related_name="competitors", on_delete=models.CASCADE
    )
    name = models.CharField(_("competitor"), max_length=200)
    strengths = models.TextField(_("strengths"), blank=True, max_length=2000)
    weaknesses = models.TextField(_("weaknesses"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "name"], name="competitor_once_per_opportunity"
            )
        ]

    def __str__(self) -> str:
        return self.name
