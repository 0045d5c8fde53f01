"""The opportunity itself (its state machine, the iron triangle), its stage history, grade changes
and stage tasks."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.money import currency_field, money_field

from ..querysets import OpportunityQuerySet
from .processes import FAST_TRACK_GRADES, Grade, Process, Stage, TaskRole


class OpportunityState(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    ABANDONED = "abandoned", _("Abandoned")


class LossReason(models.TextChoices):
    PRICE = "price", _("Price")
    PRODUCT_FIT = "product_fit", _("Solution did not fit")
    RELATIONSHIP = "relationship", _("Weak customer relationship")
    COMPETITOR = "competitor", _("Competitor was stronger")
    BUDGET = "budget", _("Budget cut")
    CANCELLED = "cancelled", _("Project cancelled")
    TIMING = "timing", _("Timing")
    OTHER = "other", _("Other")


@requirement("loss_reason", _("A reason category is given"))
def has_loss_reason(opportunity: Opportunity) -> bool:
    return bool(opportunity.loss_reason)


@requirement("lessons", _("Lessons learned are written down"))
def has_lessons(opportunity: Opportunity) -> bool:
    return bool((opportunity.loss_lessons or "").strip())


@requirement("partner_approved", _("The partner registration is approved"))
def has_approved_registration(opportunity: Opportunity) -> bool:
    return (
        opportunity.grade == Grade.E
        and bool(opportunity.stage_id)
        and opportunity.stage.code == "approved"
    )


class Opportunity(FSMModelMixin, models.Model):
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="opportunities",
        on_delete=models.PROTECT,
    )
    # The deal's value: the rep's estimate while it is open; once won, the signed contract's
    # current amount (signing and applied change requests set it; ``estimated_amount`` keeps the
    # estimate it replaced). Every figure reads this one field.
    amount = money_field(verbose_name=_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = currency_field()
    estimated_amount = money_field(
        verbose_name=_("estimate before signing"), null=True, blank=True, editable=False
    )
    estimated_currency = models.CharField(
        _("currency of the estimate"), max_length=3, blank=True, editable=False
    )
    expected_close_date = models.DateField(_("expected close date"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    grade_raised = models.BooleanField(
        _("grade raised by a manager"), default=False, editable=False
    )
    process = models.ForeignKey(
        Process, verbose_name=_("process"), related_name="+", on_delete=models.PROTECT
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), related_name="+", on_delete=models.PROTECT
    )
    state = FSMField(
        _("state"),
        default=OpportunityState.OPEN,
        choices=OpportunityState.choices,
        protected=True,
        db_index=True,
    )
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), validators=[MaxValueValidator(100)]
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account responsible (AR)"),
        related_name="opportunities",
        on_delete=models.PROTECT,
    )
    solution_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solution responsible (SR)"),
        related_name="solution_opportunities",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    fulfillment_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fulfillment responsible (FR)"),
        related_name="fulfillment_opportunities",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    partner = models.CharField(_("partner (grade E)"), max_length=200, blank=True)
    lead = models.OneToOneField(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        related_name="opportunity",
        on_delete=models.PROTECT,
    )

    needs = models.TextField(_("customer needs"), blank=True, max_length=10000)
    value_proposition = models.TextField(_("value proposition"), blank=True, max_length=10000)
    bid_date = models.DateField(_("tender deadline"), null=True, blank=True)

    stage_entered_at = models.DateTimeField(_("in this stage since"))
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    cadence_warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    loss_reason = models.CharField(
        _("loss reason"), max_length=20, choices=LossReason.choices, blank=True
    )
    loss_competitor = models.CharField(_("winning competitor"), max_length=200, blank=True)
    loss_lessons = models.TextField(_("lessons learned"), blank=True, max_length=10000)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "state", "stage"], name="opp_team_stage_idx"),
            models.Index(fields=["owner", "state"], name="opp_owner_state_idx"),
            models.Index(fields=["state", "expected_close_date"], name="opp_state_close_idx"),
            # The dashboards: the open deals per stage with their amounts, read from the index
            # alone (funnel), and the deals closed in a period found by index, not by a scan of
            # every deal (funnel, win rate, cycle times).
            models.Index(
                fields=["state", "stage"],
                include=["amount", "currency"],
                name="opp_state_stage_idx",
            ),
            models.Index(
                fields=["state", "closed_at"],
                include=["amount", "currency"],
                name="opp_state_closed_at_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="opportunity_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="opportunity_probability_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == OpportunityState.OPEN

    @property
    def is_past_cadence(self) -> bool:
        from django.utils import timezone

        from ..querysets import is_past_cadence

        return self.is_open and is_past_cadence(
            last_visit_at=self.last_visit_at,
            created_at=self.created_at,
            cadence_days=self.stage.cadence_days,
            now=timezone.now(),
        )

    @property
    def is_fast_track(self) -> bool:
        return self.grade in FAST_TRACK_GRADES

    @property
    def won_value_differs(self) -> bool:
        """Won at another value than the rep's last estimate (shown on the deal's page)."""
        return self.estimated_amount is not None and (
            self.estimated_amount != self.amount or self.estimated_currency != self.currency
        )

    @transition(field=state, source=OpportunityState.OPEN, target=OpportunityState.WON)
    def win(self, *, at) -> None:
        self.probability = 100
        self.closed_at = at

    @transition(
        field=state,
        source=OpportunityState.OPEN,
        target=OpportunityState.LOST,
        conditions=[has_loss_reason, has_lessons],
    )
    def lose(self, *, at) -> None:
        self.probability = 0
        self.closed_at = at

    @transition(
        field=state,
        source=OpportunityState.OPEN,
        target=OpportunityState.ABANDONED,
        conditions=[has_loss_reason, has_lessons],
    )
    def abandon(self, *, at) -> None:
        self.probability = 0
        self.closed_at = at


class StageHistory(models.Model):
    """Entry and exit of each stage, with who passed the gate and the evidence they passed it on."""

    opportunity = models.ForeignKey(
        Opportunity, related_name="stage_history", on_delete=models.CASCADE
    )
    stage = models.ForeignKey(Stage, related_name="+", on_delete=models.PROTECT)
    entered_at = models.DateTimeField(_("entered"))
    exited_at = models.DateTimeField(_("left"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    evidence = models.JSONField(_("evidence"), default=list, blank=True)

    class Meta:
        verbose_name = _("stage history")
        verbose_name_plural = _("stage history")
        ordering = ["entered_at", "id"]
        indexes = [
            models.Index(fields=["stage", "entered_at"]),
            # Cycle times: the stays that ended in a period, read from the index alone.
            models.Index(
                fields=["exited_at"],
                include=["opportunity", "stage", "entered_at", "id"],
                name="stay_exited_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.stage_id} {self.entered_at:%Y-%m-%d}"


class GradeChange(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, related_name="grade_changes", on_delete=models.CASCADE
    )
    from_grade = models.CharField(_("from"), max_length=1, blank=True)
    to_grade = models.CharField(_("to"), max_length=1)
    reason = models.TextField(_("reason"), max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_grade or '∅'} → {self.to_grade}"


class OpportunityTask(models.Model):
    """A required task (必做之事) of the process, done by the triangle role that owns it."""

    opportunity = models.ForeignKey(Opportunity, related_name="tasks", on_delete=models.CASCADE)
    code = models.SlugField(max_length=40)
    label = models.CharField(_("task"), max_length=200)
    label_zh = models.CharField(_("task (Chinese)"), max_length=200, blank=True)
    role = models.CharField(_("done by"), max_length=2, choices=TaskRole.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="opportunity_tasks",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "code"], name="task_code_unique_per_opportunity"
            )
        ]
        indexes = [models.Index(fields=["assignee", "done_at"])]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The task in the reader's language (the requirement's two labels are copied here)."""
        if (get_language() or "").startswith("zh") and self.label_zh:
            return self.label_zh
        return self.label
