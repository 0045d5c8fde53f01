"""Tenders (投标): the bid on a deal in its bid stages — the tender's number and issuing body, the
deadlines for questions and for submission, the bid bond and its return, the bid team with its
tasks, the submitted price and the result (won, lost to a named bidder at a price, cancelled)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.deletion import never_deleted
from ltc.core.fsm import requirement
from ltc.core.money import currency_field, money_field

from .querysets import TenderQuerySet, TenderTaskQuerySet


class TenderState(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    SUBMITTED = "submitted", _("Submitted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATES = (TenderState.PREPARING, TenderState.SUBMITTED)
DECIDED_STATES = (TenderState.WON, TenderState.LOST, TenderState.CANCELLED)


class BidRole(models.TextChoices):
    AR = "ar", _("Account responsible (AR)")
    SR = "sr", _("Solution responsible (SR)")
    FR = "fr", _("Fulfillment responsible (FR)")
    COMMERCIAL = "commercial", _("Commercial and pricing")
    LEGAL = "legal", _("Legal and qualifications")
    OTHER = "other", _("Other")


@requirement("submitted_price", _("The submitted price is given"))
def has_submitted_price(tender: Tender) -> bool:
    return tender.submitted_price is not None and tender.submitted_price > 0


@requirement("team_tasks", _("Every task of the bid team is done"))
def has_team_tasks_done(tender: Tender) -> bool:
    return not tender.tasks.filter(done_at__isnull=True).exists()


@requirement("winner", _("The winning bidder is named"))
def has_winner(tender: Tender) -> bool:
    return bool((tender.winner or "").strip())


@requirement("winning_price", _("The winning price is given"))
def has_winning_price(tender: Tender) -> bool:
    return tender.winning_price is not None and tender.winning_price > 0


@requirement("result_note", _("The reason is written down"))
def has_result_note(tender: Tender) -> bool:
    return bool((tender.result_note or "").strip())


class Tender(FSMModelMixin, models.Model):
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        related_name="tenders",
        on_delete=models.PROTECT,
    )
    number = models.CharField(_("tender number"), max_length=100)
    issuer = models.CharField(_("issuing body"), max_length=200)
    questions_due_at = models.DateTimeField(_("deadline for questions"), null=True, blank=True)
    submission_due_at = models.DateTimeField(_("deadline for submission"))
    bond_amount = money_field(
        verbose_name=_("bid bond"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    bond_currency = currency_field(verbose_name=_("currency of the bond"))
    bond_returned_on = models.DateField(_("bond returned on"), null=True, blank=True)
    submitted_price = money_field(
        verbose_name=_("submitted price"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    price_currency = currency_field(verbose_name=_("currency of the price"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    state = FSMField(
        _("state"),
        default=TenderState.PREPARING,
        choices=TenderState.choices,
        protected=True,
        db_index=True,
    )
    winner = models.CharField(_("winning bidder"), max_length=200, blank=True)
    winning_price = money_field(
        verbose_name=_("winning price"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    winning_currency = models.CharField(
        _("currency of the winning price"), max_length=3, blank=True
    )
    result_note = models.TextField(_("result note"), blank=True, max_length=5000)
    decided_at = models.DateTimeField(_("result recorded"), null=True, blank=True)
    # The deadlines as planned activities of the deal's AR (calendar, my day, the digest).
    questions_activity = models.OneToOneField(
        "activity.PlannedActivity",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        editable=False,
    )
    submission_activity = models.OneToOneField(
        "activity.PlannedActivity",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        editable=False,
    )
    # The submission deadline the bid team was last reminded of (moving it re-arms the reminder).
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "submission_due_at"], name="tender_state_due_idx"),
            models.Index(fields=["state", "decided_at"], name="tender_state_decided_idx"),
        ]
        constraints = [
            # One bid in progress per deal; a cancelled or decided tender may be followed by another.
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=models.Q(state__in=["preparing", "submitted"]),
                name="one_active_tender_per_deal",
            ),
            models.CheckConstraint(
                condition=models.Q(bond_amount__isnull=True) | models.Q(bond_amount__gte=0),
                name="tender_bond_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.issuer}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def bond_outstanding(self) -> bool:
        return bool(self.bond_amount) and self.bond_returned_on is None

    @transition(
        field=state,
        source=TenderState.PREPARING,
        target=TenderState.SUBMITTED,
        conditions=[has_submitted_price, has_team_tasks_done],
    )
    def submit(self, *, at) -> None:
        self.submitted_at = at

    @transition(field=state, source=TenderState.SUBMITTED, target=TenderState.WON)
    def win(self, *, at) -> None:
        self.decided_at = at

    @transition(
        field=state,
        source=TenderState.SUBMITTED,
        target=TenderState.LOST,
        conditions=[has_winner, has_winning_price],
    )
    def lose(self, *, at) -> None:
        self.decided_at = at

    @transition(
        field=state,
        source=list(ACTIVE_STATES),
        target=TenderState.CANCELLED,
        conditions=[has_result_note],
    )
    def cancel(self, *, at) -> None:
        self.decided_at = at


class TenderTask(models.Model):
    """A task of the bid team (the iron triangle plus others): who, what, by when."""

    tender = models.ForeignKey(Tender, related_name="tasks", on_delete=models.CASCADE)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team member"),
        related_name="tender_tasks",
        on_delete=models.PROTECT,
    )
    role = models.CharField(_("role in the bid"), max_length=20, choices=BidRole.choices)
    task = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenderTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("bid team task")
        verbose_name_plural = _("bid team tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["member", "done_at"])]

    def __str__(self) -> str:
        return self.task


# A tender holds money (the bond, the prices) and is the evidence of a gate: cancelled, never
# deleted (ltc/core/deletion.py).
never_deleted(Tender, instead=_("Cancel it instead."))
