"""Grades and the configurable sales processes: stages whose gate requirements are data, and the
grading policy."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from ltc.core.models import SingleRowSettings
from ltc.core.money import money_field


class Grade(models.TextChoices):
    A = "A", _("A: strategic (full process)")
    B = "B", _("B: large (full process)")
    C = "C", _("C: medium (fast track)")
    D = "D", _("D: small (fast track)")
    E = "E", _("E: partner-led (registration)")


GRADE_RANK = {"D": 1, "C": 2, "B": 3, "A": 4}
FAST_TRACK_GRADES = {Grade.C, Grade.D}
FULL_TRACK_GRADES = {Grade.A, Grade.B}


class TaskRole(models.TextChoices):
    AR = "ar", _("Account responsible (AR)")
    SR = "sr", _("Solution responsible (SR)")
    FR = "fr", _("Fulfillment responsible (FR)")


class RequirementKind(models.TextChoices):
    FIELD = "field", _("Required field")
    TASK = "task", _("Required task")
    REVIEW = "review", _("Required review")


class GradingPolicy(SingleRowSettings):
    """Thresholds of the grades by amount (one row; edited in the admin)."""

    a_min = money_field(verbose_name=_("grade A from"), default=Decimal("5000000"))
    b_min = money_field(verbose_name=_("grade B from"), default=Decimal("1000000"))
    c_min = money_field(verbose_name=_("grade C from"), default=Decimal("200000"))

    class Meta:
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policy")

    def __str__(self) -> str:
        return f"A ≥ {self.a_min:,.0f} · B ≥ {self.b_min:,.0f} · C ≥ {self.c_min:,.0f}"

    def grade_for(self, amount: Decimal | None) -> str:
        amount = amount or Decimal(0)
        if amount >= self.a_min:
            return Grade.A
        if amount >= self.b_min:
            return Grade.B
        if amount >= self.c_min:
            return Grade.C
        return Grade.D


class Process(models.Model):
    """A sales process: an ordered list of stages. The default one serves grades A–D; the partner
    process serves grade E (registration track)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default process"), default=False)
    for_partner_deals = models.BooleanField(_("for partner-led deals (grade E)"), default=False)

    class Meta:
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")
        ordering = ["-is_default", "code"]

    def __str__(self) -> str:
        # The shipped processes' names are msgids (opportunities.defaults): shown in the
        # reader's language. A name an administrator typed is theirs and shows as typed.
        return gettext(self.name)


class Stage(models.Model):
    process = models.ForeignKey(
        Process, verbose_name=_("process"), related_name="stages", on_delete=models.CASCADE
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    probability = models.PositiveSmallIntegerField(
        _("default win probability (%)"), validators=[MaxValueValidator(100)]
    )
    cadence_days = models.PositiveSmallIntegerField(
        _("visit the account at least every (days)"), default=30, validators=[MinValueValidator(1)]
    )
    roles = models.CharField(
        _("roles involved"), max_length=100, blank=True, help_text=_("e.g. AR, SR, FR")
    )
    is_signing = models.BooleanField(
        _("signing stage"),
        default=False,
        help_text=_("Fast-track deals (C, D) may jump here from the first stage."),
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["process", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "code"], name="stage_code_unique_in_process"
            ),
            models.UniqueConstraint(
                fields=["process", "order"], name="stage_order_unique_in_process"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.name}"

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class StageRequirement(models.Model):
    """One item of a stage's gate: what must be true to ENTER the stage. ``fast_track`` marks the
    items still demanded of a fast-track deal that jumps over this stage."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), related_name="requirements", on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequirementKind.choices)
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("A field check code, a task code, or a review kind.")
    )
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200, blank=True)
    role = models.CharField(_("done by"), max_length=2, choices=TaskRole.choices, blank=True)
    fast_track = models.BooleanField(
        _("also demanded when a fast-track deal skips this stage"), default=False
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("stage requirement")
        verbose_name_plural = _("stage requirements")
        ordering = ["stage", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "kind", "code"], name="requirement_unique_in_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage.code}: {self.kind} {self.code}"

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("zh") and self.label_zh:
            return self.label_zh
        if self.label_en:
            return self.label_en
        from ..requirements import default_label

        return default_label(self.kind, self.code)
