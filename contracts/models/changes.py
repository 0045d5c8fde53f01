"""Change requests of a signed contract, and the closing evaluation."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.money import money_field

from ..querysets import ChangeRequestQuerySet
from .agreements import Contract


class ChangeState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied")


@requirement("fr_assessment", _("FR judged deliverability and cost"))
def has_fr_assessment(change: ChangeRequest) -> bool:
    return bool(change.fr_assessment.strip())


@requirement("sr_assessment", _("SR judged the technical side"))
def has_sr_assessment(change: ChangeRequest) -> bool:
    return bool(change.sr_assessment.strip())


class ChangeRequest(FSMModelMixin, models.Model):
    """A contract change (合同变更): requested → reviewed by FR and SR → approved or rejected by a
    manager → applied, which makes a new contract version."""

    contract = models.ForeignKey(Contract, related_name="changes", on_delete=models.CASCADE)
    description = models.TextField(_("description"), max_length=5000)
    amount_delta = money_field(verbose_name=_("amount change"), default=Decimal("0"))
    new_terms = models.JSONField(_("new payment terms"), null=True, blank=True)
    state = FSMField(
        _("state"), default=ChangeState.REQUESTED, choices=ChangeState.choices, protected=True
    )
    fr_assessment = models.TextField(_("deliverability and cost (FR)"), blank=True, max_length=5000)
    sr_assessment = models.TextField(_("technical assessment (SR)"), blank=True, max_length=5000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True, max_length=2000)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    resulting_version = models.PositiveSmallIntegerField(
        _("resulting version"), null=True, blank=True
    )

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.description[:40]}"

    @transition(
        field=state,
        source=ChangeState.REQUESTED,
        target=ChangeState.REVIEWED,
        conditions=[has_fr_assessment, has_sr_assessment],
    )
    def mark_reviewed(self) -> None:
        pass

    @transition(field=state, source=ChangeState.REVIEWED, target=ChangeState.APPROVED)
    def approve(self, *, by, at, comment="") -> None:
        self.decided_by, self.decided_at, self.decision_comment = by, at, comment

    @transition(
        field=state,
        source=[ChangeState.REQUESTED, ChangeState.REVIEWED],
        target=ChangeState.REJECTED,
    )
    def reject(self, *, by, at, comment="") -> None:
        self.decided_by, self.decided_at, self.decision_comment = by, at, comment

    @transition(field=state, source=ChangeState.APPROVED, target=ChangeState.APPLIED)
    def apply(self, *, at, version) -> None:
        self.applied_at = at
        self.resulting_version = version


class Evaluation(models.Model):
    """The closing evaluation (合同评价) of a contract."""

    class Profitability(models.TextChoices):
        ABOVE = "above", _("Better than planned")
        AS_PLANNED = "as_planned", _("As planned")
        BELOW = "below", _("Below plan")
        LOSS = "loss", _("Loss-making")

    contract = models.OneToOneField(Contract, related_name="evaluation", on_delete=models.CASCADE)
    profitability = models.CharField(
        _("profitability"), max_length=20, choices=Profitability.choices
    )
    schedule_kept = models.BooleanField(_("schedule kept"))
    acceptance_smooth = models.BooleanField(_("acceptance went smoothly"))
    lessons = models.TextField(_("lessons"), max_length=10000)
    score = models.PositiveSmallIntegerField(
        _("score (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("contract evaluation")
        verbose_name_plural = _("contract evaluations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=5),
                name="evaluation_score_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.score}/5"
