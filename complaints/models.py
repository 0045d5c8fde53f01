"""Complaints and after-sales issues (客户投诉与售后问题, the ITR flow): a complaint on a customer,
a contract, an order or a delivery unit, with a category, a severity whose SLA sets its due
times, an owner, and a life of open → in progress → resolved → closed (on the customer's recorded
confirmation), reopened when the customer says it is not solved."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement

from .querysets import ComplaintQuerySet, ConfirmationQuerySet


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Category(models.TextChoices):
    QUALITY = "quality", _("Product quality")
    DELIVERY = "delivery", _("Late or incomplete delivery")
    INSTALLATION = "installation", _("Installation and commissioning")
    SERVICE = "service", _("Service and support")
    DOCUMENTATION = "documentation", _("Documents and certificates")
    BILLING = "billing", _("Invoicing and payment")
    OTHER = "other", _("Other")


class ComplaintState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Not resolved yet: the resolution clock runs.
UNRESOLVED = [ComplaintState.OPEN, ComplaintState.IN_PROGRESS, ComplaintState.REOPENED]
# Nobody has answered yet: the response clock runs.
AWAITING_RESPONSE = [ComplaintState.OPEN]


class ConfirmationChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    SIGNED_FORM = "signed_form", _("Signed confirmation form")
    MEETING = "meeting", _("Meeting")


class SlaPolicy(models.Model):
    """How fast a complaint of a severity must be answered and resolved, in hours from its
    opening. One row per severity, seeded with defaults, edited in the admin."""

    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, unique=True)
    response_hours = models.PositiveIntegerField(
        _("respond within (hours)"), validators=[MinValueValidator(1), MaxValueValidator(8760)]
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolve within (hours)"), validators=[MinValueValidator(1), MaxValueValidator(8760)]
    )

    class Meta:
        verbose_name = _("complaint SLA")
        verbose_name_plural = _("complaint SLAs")
        ordering = ["resolution_hours", "severity"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolution_hours__gte=models.F("response_hours")),
                name="sla_resolution_after_response",
            ),
            models.CheckConstraint(condition=models.Q(response_hours__gte=1), name="sla_positive"),
        ]

    def __str__(self) -> str:
        return str(Severity(self.severity).label)


@requirement("resolution", _("What was done to resolve it"))
def has_resolution(complaint) -> bool:
    return bool((complaint.resolution or "").strip())


@requirement("confirmation", _("The customer's confirmation (who, when, how)"))
def has_customer_confirmation(complaint) -> bool:
    return complaint.confirmation_id is not None


class Complaint(FSMModelMixin, models.Model):
    """The subject is the most precise record named: a delivery unit, else an order, else a
    contract, else the customer; the records above it are filled in from it."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="complaints",
        on_delete=models.PROTECT,
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        related_name="complaints",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    order = models.ForeignKey(
        "delivery.Order",
        verbose_name=_("order"),
        related_name="complaints",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    unit = models.ForeignKey(
        "delivery.DeliveryUnit",
        verbose_name=_("delivery unit"),
        related_name="complaints",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    # The team the complaint is booked to (the deal's, else the customer's): its managers act.
    team = models.ForeignKey(
        "org.Team", related_name="+", null=True, blank=True, on_delete=models.SET_NULL
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    state = FSMField(
        _("state"),
        default=ComplaintState.OPEN,
        choices=ComplaintState.choices,
        protected=True,
        db_index=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        related_name="owned_complaints",
        on_delete=models.PROTECT,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    opened_at = models.DateTimeField(_("opened"))
    response_due_at = models.DateTimeField(_("response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), max_length=5000, blank=True)
    # Set once by the SLA sweep when a clock ran out (the owner and manager were told then).
    response_breached_at = models.DateTimeField(_("response SLA breached"), null=True, blank=True)
    resolution_breached_at = models.DateTimeField(
        _("resolution SLA breached"), null=True, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # The customer's confirmation that closed it (cleared on reopening; the row stays).
    confirmation = models.ForeignKey(
        "complaints.CustomerConfirmation",
        verbose_name=_("customer's confirmation"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["state", "resolution_due_at"], name="complaint_due_idx"),
            models.Index(fields=["state", "response_due_at"], name="complaint_response_due_idx"),
            models.Index(fields=["opened_at"], name="complaint_opened_idx"),
            models.Index(fields=["resolved_at"], name="complaint_resolved_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def number(self) -> str:
        return f"CP-{self.pk:05d}" if self.pk else ""

    @property
    def subject(self):
        return self.unit or self.order or self.contract or self.customer

    def breached(self, now) -> bool:
        """Whether a clock ran out: answered late or not yet, resolved late or not yet."""
        response = self.responded_at or (now if self.state in AWAITING_RESPONSE else None)
        resolution = self.resolved_at or (now if self.state in UNRESOLVED else None)
        return bool(
            (response and response > self.response_due_at)
            or (resolution and resolution > self.resolution_due_at)
        )

    @transition(
        field=state,
        source=[ComplaintState.OPEN, ComplaintState.REOPENED],
        target=ComplaintState.IN_PROGRESS,
    )
    def start(self, *, at) -> None:
        if self.responded_at is None:
            self.responded_at = at

    @transition(
        field=state,
        source=ComplaintState.IN_PROGRESS,
        target=ComplaintState.RESOLVED,
        conditions=[has_resolution],
    )
    def resolve(self, *, at) -> None:
        self.resolved_at = at

    @transition(
        field=state,
        source=ComplaintState.RESOLVED,
        target=ComplaintState.CLOSED,
        conditions=[has_customer_confirmation],
    )
    def close(self, *, at) -> None:
        self.closed_at = at

    @transition(
        field=state,
        source=[ComplaintState.RESOLVED, ComplaintState.CLOSED],
        target=ComplaintState.REOPENED,
    )
    def reopen(self) -> None:
        self.resolved_at = None
        self.closed_at = None
        self.confirmation = None
        self.reopen_count += 1


class CustomerConfirmation(models.Model):
    """The customer's word that a complaint is solved: who said so, when, how, and who recorded
    it. Kept when the complaint is reopened."""

    complaint = models.ForeignKey(Complaint, related_name="confirmations", on_delete=models.CASCADE)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    confirmed_by = models.CharField(_("confirmed by (the customer's person)"), max_length=200)
    channel = models.CharField(_("how"), max_length=20, choices=ConfirmationChannel.choices)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer's confirmation")
        verbose_name_plural = _("customers' confirmations")
        ordering = ["-confirmed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.confirmed_by} ({self.get_channel_display()})"
