"""Contracts: their states, conditions, payment milestones and versions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.money import currency_field, money_field

from ..querysets import ContractQuerySet
from ._common import HUNDRED, margin_of
from .quotes import Quote


# Contracts -------------------------------------------------------------------------------------
class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In contract review")
    APPROVED = "approved", _("Approved")
    SIGNED = "signed", _("Signed")
    EXECUTING = "executing", _("Executing")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATES = [ContractState.SIGNED, ContractState.EXECUTING]


class CostSource(models.TextChoices):
    """Where a contract's cost comes from. Only the owners' figures (the quote's cost lines, an
    assessment by the SR, finance or a manager) count for the review's escalation rule."""

    QUOTE = "quote", _("the quote's cost lines")
    ASSESSMENT = "assessment", _("a cost assessment")
    TYPED = "typed", _("a margin typed by the rep before costs were required (not trusted)")


OWNED_COST_SOURCES = (CostSource.QUOTE, CostSource.ASSESSMENT)


class Trigger(models.TextChoices):
    SIGNING = "signing", _("On signing")
    ACCEPTANCE = "acceptance", _("On acceptance")
    DATE = "date", _("On a date")


@requirement("terms_total_100", _("The payment terms add up to 100%"))
def terms_total_100(contract: Contract) -> bool:
    return contract.terms_total() == HUNDRED


@requirement("amount", _("The amount is positive"))
def has_positive_amount(contract: Contract) -> bool:
    return bool(contract.amount and contract.amount > 0)


@requirement("review_approved", _("The contract review is approved"))
def has_approved_review(contract: Contract) -> bool:
    return contract.review_id is not None and contract.review.state == "approved"


@requirement("evaluation", _("The closing evaluation is recorded"))
def has_evaluation(contract: Contract) -> bool:
    return hasattr(contract, "evaluation")


@requirement("fulfillment_owner", _("An FR is assigned to deliver it"))
def has_fulfillment_owner(contract: Contract) -> bool:
    return contract.opportunity.fulfillment_owner_id is not None


class Contract(FSMModelMixin, models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        related_name="contracts",
        on_delete=models.PROTECT,
        db_index=False,  # contract_opportunity_idx below, with the contract's id
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="contracts",
        on_delete=models.PROTECT,
    )
    quote = models.ForeignKey(
        Quote,
        verbose_name=_("quote"),
        null=True,
        blank=True,
        related_name="contracts",
        on_delete=models.PROTECT,
    )
    amount = money_field(verbose_name=_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = currency_field()
    our_party = models.CharField(_("our party"), max_length=200, blank=True)
    customer_party = models.CharField(_("customer party"), max_length=200, blank=True)
    # What the customer party was when the contract was signed (the name is drafted, the tax id
    # and address are taken from the customer at signing); a later rename does not change them.
    customer_tax_id = models.CharField(_("customer tax id"), max_length=50, blank=True)
    customer_address = models.CharField(_("customer address"), max_length=300, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # The margin is never typed: it is computed from this cost (see ``margin_percent``), which
    # comes from the quote's cost lines or an assessment by the SR, finance or a manager.
    cost_amount = money_field(
        verbose_name=_("cost"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cost_note = models.CharField(_("basis of the cost"), max_length=500, blank=True)
    cost_source = models.CharField(
        _("cost from"), max_length=20, choices=CostSource.choices, blank=True
    )
    cost_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cost entered by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    cost_at = models.DateTimeField(_("cost entered"), null=True, blank=True)
    # The margin of the quote it was drafted from, kept as it was then: the review escalates on
    # the lower of this and the contract's own margin, so raising the amount afterwards (or
    # editing the quote) does not lift a thin deal over the floor.
    quote_margin_percent = models.DecimalField(
        _("margin of the quote"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    schedule = models.TextField(_("schedule"), blank=True, max_length=5000)
    cost_risk = models.TextField(_("cost risk"), blank=True, max_length=5000)
    is_risky = models.BooleanField(_("marked risky"), default=False)
    risk_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("risk cleared by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    risk_cleared_at = models.DateTimeField(_("risk cleared"), null=True, blank=True)
    risk_cleared_reason = models.TextField(
        _("why the risk was cleared"), blank=True, max_length=2000
    )
    state = FSMField(
        _("state"),
        default=ContractState.DRAFT,
        choices=ContractState.choices,
        protected=True,
        db_index=True,
    )
    review = models.ForeignKey(
        "opportunities.Review",
        verbose_name=_("contract review"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted for delivery"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="contract_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(cost_amount__isnull=True) | models.Q(cost_amount__gte=0),
                name="contract_cost_not_negative",
            ),
            # One live contract per opportunity; a cancelled one may be redrafted.
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=~models.Q(state="cancelled"),
                name="one_live_contract_per_opportunity",
            ),
        ]
        indexes = [
            # A deal's contracts, and the scope of every figure under contracts (invoices,
            # revenue, units: the deals in scope, then their contracts) from the index alone.
            models.Index(fields=["opportunity"], include=["id"], name="contract_opportunity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def terms_total(self) -> Decimal:
        terms = getattr(self, "_prefetched_objects_cache", {}).get("terms")
        if terms is None:
            terms = self.terms.all()
        return sum((t.percent for t in terms), Decimal("0"))

    @property
    def is_editable(self) -> bool:
        return self.state == ContractState.DRAFT

    @property
    def margin_percent(self) -> Decimal | None:
        """(amount − cost) / amount in percent; None while no cost is entered."""
        return margin_of(self.amount, self.cost_amount)

    @property
    def margin_is_known(self) -> bool:
        """The margin comes from costs entered by their owners (not a typed figure)."""
        return self.cost_amount is not None and self.cost_source in OWNED_COST_SOURCES

    @property
    def is_frozen(self) -> bool:
        """Signed: the parties read as they were signed, whatever the customer is called now."""
        return self.signed_on is not None

    @transition(
        field=state,
        source=ContractState.DRAFT,
        target=ContractState.IN_REVIEW,
        conditions=[has_positive_amount, terms_total_100],
    )
    def submit(self) -> None:
        pass

    @transition(
        field=state,
        source=ContractState.IN_REVIEW,
        target=ContractState.APPROVED,
        conditions=[has_approved_review],
    )
    def approve(self) -> None:
        pass

    @transition(field=state, source=ContractState.IN_REVIEW, target=ContractState.DRAFT)
    def send_back(self) -> None:
        pass

    @transition(
        field=state,
        source=ContractState.APPROVED,
        target=ContractState.SIGNED,
        conditions=[has_approved_review, terms_total_100],
    )
    def sign(self, *, on) -> None:
        self.signed_on = on
        self.freeze_customer_party()

    def freeze_customer_party(self) -> None:
        """The customer party as signed: the drafted name (else the customer's), and the
        customer's tax id and address as they are now. Renaming the customer later leaves them."""
        customer = self.customer
        self.customer_party = self.customer_party or customer.name
        self.customer_tax_id = customer.tax_id
        self.customer_address = customer.address

    @property
    def party_name(self) -> str:
        """The customer party as the contract names it (drafted, kept as signed)."""
        return self.customer_party or self.customer.name

    @property
    def party_tax_id(self) -> str:
        return self.customer_tax_id if self.is_frozen else self.customer.tax_id

    @property
    def party_address(self) -> str:
        return self.customer_address if self.is_frozen else self.customer.address

    @transition(
        field=state,
        source=ContractState.SIGNED,
        target=ContractState.EXECUTING,
        conditions=[has_fulfillment_owner],
    )
    def accept(self, *, at) -> None:
        self.accepted_at = at

    @transition(
        field=state,
        source=ContractState.EXECUTING,
        target=ContractState.CLOSED,
        conditions=[has_evaluation],
    )
    def close(self, *, at) -> None:
        self.closed_at = at

    @transition(
        field=state,
        source=[ContractState.DRAFT, ContractState.IN_REVIEW, ContractState.APPROVED],
        target=ContractState.CANCELLED,
    )
    def cancel(self, *, reason) -> None:
        self.cancel_reason = reason


class PaymentTerm(models.Model):
    """A payment milestone, e.g. 30% advance on signing, 60% on acceptance, 10% after warranty."""

    contract = models.ForeignKey(Contract, related_name="terms", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    label = models.CharField(_("milestone"), max_length=200)
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    days_to_pay = models.PositiveSmallIntegerField(_("days to pay after invoicing"), default=30)

    class Meta:
        verbose_name = _("payment term")
        verbose_name_plural = _("payment terms")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gt=0) & models.Q(percent__lte=100),
                name="payment_term_percent_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger="date") | models.Q(due_date__isnull=False),
                name="date_term_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.percent}%"

    def amount_of(self, contract_amount: Decimal) -> Decimal:
        """Its share of ``contract_amount``, rounded cumulatively: the rounded running total
        through this milestone minus the rounded running total before it, so a contract's
        milestones add up to its amount to the cent (three times 33.33% of 100.01 is 33.34,
        33.33, 33.34, not 33.34 three times). Reads the contract's terms (prefetched, or one
        query; a contract has a handful)."""
        from ltc.core.money import quantize

        if self.pk is None:
            return quantize(contract_amount * self.percent / HUNDRED)
        key = (self.position, self.pk)
        before = sum(
            (t.percent for t in self.contract.terms.all() if (t.position, t.pk) < key),
            Decimal("0"),
        )
        through = before + self.percent
        return quantize(contract_amount * through / HUNDRED) - quantize(
            contract_amount * before / HUNDRED
        )


class ContractVersion(models.Model):
    """A snapshot of the contract's amount and terms; a new one per applied change request."""

    contract = models.ForeignKey(Contract, related_name="versions", on_delete=models.CASCADE)
    version = models.PositiveSmallIntegerField(_("version"))
    amount = money_field(verbose_name=_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    terms = models.JSONField(_("payment terms"), default=list)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "version"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "version"], name="contract_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.version}"
