"""Partner organisations, their users, and the deals they register (伙伴报备).

A registration names the end customer, the project and an estimate. The channel manager of the
partner accepts it (an E opportunity is created and protected for the partner for the partner's
protection days) or rejects it with a reason. A registration that conflicts with an open deal or
another partner's registration waits in review; accepting it needs a note saying why."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.money import currency_field, money_field
from ltc.core.normalize import company_key

from .querysets import PartnerQuerySet, RegistrationQuerySet


class Partner(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    channel_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel manager"),
        related_name="managed_partners",
        on_delete=models.PROTECT,
    )
    protection_days = models.PositiveIntegerField(
        _("protection (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("How long an accepted registration keeps the deal for the partner."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerMembership(models.Model):
    """The link of a partner user to their organisation (kept here, so ``ltc.org`` imports no
    chain app). A user belongs to one partner at most."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="partner_membership",
        on_delete=models.CASCADE,
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), related_name="members", on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("partner user")
        verbose_name_plural = _("partner users")

    def __str__(self) -> str:
        return f"{self.user} · {self.partner}"


class RegistrationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review (conflict)")
    ACCEPTED = "accepted", _("Accepted (protected)")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Protection expired")


OPEN_STATES = [RegistrationState.SUBMITTED, RegistrationState.IN_REVIEW]
# The registrations that hold a customer's project for a partner: a new one conflicts with them.
HOLDING_STATES = [*OPEN_STATES, RegistrationState.ACCEPTED]


@requirement("owner", _("An account responsible (AR) is chosen for the deal"))
def has_owner(registration: DealRegistration) -> bool:
    return registration.owner_id is not None


@requirement("conflict_note", _("The conflict is explained in the decision note"))
def conflict_explained(registration: DealRegistration) -> bool:
    return registration.state != RegistrationState.IN_REVIEW or bool(
        (registration.decision_note or "").strip()
    )


@requirement("rejection_reason", _("A reason for the rejection is given"))
def has_rejection_reason(registration: DealRegistration) -> bool:
    return bool((registration.rejection_reason or "").strip())


@requirement("protection_lapsed", _("The protection period is over"))
def protection_lapsed(registration: DealRegistration) -> bool:
    return bool(
        registration.protected_until and registration.protected_until < timezone.localdate()
    )


@requirement("deal_open", _("The deal is still open"))
def deal_still_open(registration: DealRegistration) -> bool:
    return registration.opportunity_id is not None and registration.opportunity.state == "open"


class DealRegistration(FSMModelMixin, models.Model):
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), related_name="registrations", on_delete=models.PROTECT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        related_name="deal_registrations",
        on_delete=models.PROTECT,
    )
    customer_name = models.CharField(_("end customer"), max_length=200)
    customer_key = models.CharField(max_length=200, db_index=True, editable=False)
    project_name = models.CharField(_("project"), max_length=200)
    amount = money_field(
        verbose_name=_("estimated amount"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = currency_field()
    expected_close_date = models.DateField(_("expected close date"))
    description = models.TextField(_("description"), blank=True, max_length=5000)
    state = FSMField(
        _("state"),
        default=RegistrationState.SUBMITTED,
        choices=RegistrationState.choices,
        protected=True,
        db_index=True,
    )
    # What the conflict check found at submission: [{"kind", "id", "label"}], for the record.
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account responsible (AR)"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    opportunity = models.OneToOneField(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        related_name="registration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)
    rejection_reason = models.TextField(_("rejection reason"), blank=True, max_length=2000)
    protected_until = models.DateField(_("protected until"), null=True, blank=True)
    renewals = models.PositiveIntegerField(_("renewals"), default=0)
    created_at = models.DateTimeField(_("registered"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "protected_until"], name="reg_state_until_idx")]

    def __str__(self) -> str:
        return f"{self.project_name} · {self.customer_name}"

    def save(self, *args, **kwargs):
        self.customer_key = company_key(self.customer_name)
        super().save(*args, **kwargs)

    @transition(field=state, source=RegistrationState.SUBMITTED, target=RegistrationState.IN_REVIEW)
    def flag_conflict(self, *, conflicts: list[dict]) -> None:
        self.conflicts = conflicts

    @transition(
        field=state,
        source=OPEN_STATES,
        target=RegistrationState.ACCEPTED,
        conditions=[has_owner, conflict_explained],
    )
    def accept(self, *, by, at, until) -> None:
        self.decided_by, self.decided_at, self.protected_until = by, at, until

    @transition(
        field=state,
        source=OPEN_STATES,
        target=RegistrationState.REJECTED,
        conditions=[has_rejection_reason],
    )
    def reject(self, *, by, at) -> None:
        self.decided_by, self.decided_at = by, at

    @transition(
        field=state,
        source=RegistrationState.ACCEPTED,
        target=RegistrationState.EXPIRED,
        conditions=[protection_lapsed],
    )
    def expire(self) -> None:
        pass

    @transition(
        field=state,
        source=[RegistrationState.ACCEPTED, RegistrationState.EXPIRED],
        target=RegistrationState.ACCEPTED,
        conditions=[deal_still_open],
    )
    def renew(self, *, until) -> None:
        self.protected_until = until
        self.renewals += 1
