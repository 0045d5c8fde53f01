"""Opportunities (商机): configurable sales processes whose stage gates are data, grading tracks,
the iron triangle, decision reviews, the decision chain and competitors."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.deletion import never_deleted
from ltc.core.fsm import requirement
from ltc.core.models import SingleRowSettings
from ltc.core.money import currency_field, money_field

from .querysets import OpportunityQuerySet, ReviewQuerySet


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


class ReviewKind(models.TextChoices):
    PROJECT_APPROVAL = "project_approval", _("Project approval review")
    CONTRACT = "contract", _("Contract review")
    REGISTRATION = "registration", _("Partner registration approval")


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
        from .requirements import default_label

        return default_label(self.kind, self.code)


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

        from .querysets import is_past_cadence

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


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Waiting for decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


@requirement(
    "relationship_assessment", _("AR assessed the customer relationship and decision chain")
)
def has_relationship_assessment(review: Review) -> bool:
    return bool(review.relationship_assessment.strip())


@requirement("solution_assessment", _("SR assessed the solution and the competition"))
def has_solution_assessment(review: Review) -> bool:
    # Partner registrations have no SR/FR: the partner brings solution and delivery.
    return review.kind == ReviewKind.REGISTRATION or bool(review.solution_assessment.strip())


@requirement("delivery_assessment", _("FR assessed deliverability and risk"))
def has_delivery_assessment(review: Review) -> bool:
    return review.kind == ReviewKind.REGISTRATION or bool(review.delivery_assessment.strip())


# Who writes which assessment of a review: the triangle role, the deal's field naming the
# person, and the requirement the assessment answers.
ASSESSORS = (
    ("AR", "owner", has_relationship_assessment),
    ("SR", "solution_owner", has_solution_assessment),
    ("FR", "fulfillment_owner", has_delivery_assessment),
)


class Review(FSMModelMixin, models.Model):
    """A decision review (决策评审): the triangle assesses, a manager decides. Its duration feeds
    the document-flow-time figure."""

    opportunity = models.ForeignKey(Opportunity, related_name="reviews", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewKind.choices)
    state = FSMField(
        _("state"), default=ReviewState.PENDING, choices=ReviewState.choices, protected=True
    )
    relationship_assessment = models.TextField(
        _("customer relationship and decision chain (AR)"), blank=True, max_length=5000
    )
    solution_assessment = models.TextField(
        _("solution and competition (SR)"), blank=True, max_length=5000
    )
    delivery_assessment = models.TextField(
        _("deliverability and risk (FR)"), blank=True, max_length=5000
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("decision comment"), blank=True, max_length=5000)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True, editable=False
    )
    details = models.JSONField(default=dict, blank=True)
    needs_second_approval = models.BooleanField(
        _("escalated: needs a second approver"), default=False, editable=False
    )
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first approver"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    first_approved_at = models.DateTimeField(_("first approval"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision review")
        verbose_name_plural = _("decision reviews")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "kind"],
                condition=models.Q(state="pending"),
                name="one_pending_review_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.opportunity_id}"

    def missing_assessors(self) -> list[dict]:
        """The assessments a pending review still waits for, each with the role and the person
        who writes it (None when the deal has nobody in that role yet)."""
        if self.state != ReviewState.PENDING:
            return []
        return [
            {"role": role, "user": getattr(self.opportunity, person)}
            for role, person, written in ASSESSORS
            if not written(self)
        ]

    @property
    def waiting_for(self) -> str:
        """“SR 孙浩, FR —”: who a pending review still waits for."""
        return ", ".join(
            f"{m['role']} {m['user'] if m['user'] is not None else '—'}"
            for m in self.missing_assessors()
        )

    def _decide(self, by, at, comment) -> None:
        self.decided_by = by
        self.decided_at = at
        self.comment = comment or ""
        self.duration_seconds = max(0, int((at - self.requested_at).total_seconds()))

    @transition(
        field=state,
        source=ReviewState.PENDING,
        target=ReviewState.APPROVED,
        conditions=[has_relationship_assessment, has_solution_assessment, has_delivery_assessment],
    )
    def approve(self, *, by, at, comment="") -> None:
        self._decide(by, at, comment)

    @transition(field=state, source=ReviewState.PENDING, target=ReviewState.REJECTED)
    def reject(self, *, by, at, comment="") -> None:
        self._decide(by, at, comment)


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


# A review is decided (approved or rejected), never deleted: a contract or a gate may wait on a
# pending one, and a decided one is the evidence of the gate (ltc/core/deletion.py).
never_deleted(Review, instead=_("Reject it instead."))
