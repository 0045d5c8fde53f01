"""Invoices and cash (开票与回款): invoices aligned with delivery, milestone advances against the
contract, credit notes, payments with their allocations, and the gapless number sequences.

Amounts. An invoice's ``amount`` is the GROSS amount the customer owes (tax included), on the same
base as a contract's amount and a delivery unit's value: what the customer pays. ``tax_rate``
only splits it into net + tax for display and printing (``net_amount``, ``tax_amount``).

What may be invoiced (the cap, defined once in ``billing.invoiceable``), following the
contract's payment terms:
- an order: the value of its accepted units × the share of the terms triggered on acceptance,
  minus what is invoiced on it;
- a contract (advance and dated milestones): its milestones triggered by signing or by a date
  that has passed, minus what is invoiced against the contract directly; acceptance milestones
  are invoiced through the orders, so nothing is invoiced twice;
- and never more, over all of a contract's invoices, than the contract's amount.
Drafts count as invoiced (two drafts could otherwise both be issued); cancelling a draft or
voiding an issued invoice (with its credit note) frees what it held.

``paid_amount`` of an invoice and ``allocated_amount`` of a payment are the sums of their live
allocations, kept in step by the services under row locks; check constraints make an
over-allocated invoice or payment impossible even if a service were wrong.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.models import SingleRowSettings
from ltc.core.money import currency_field, money_field, quantize

from .querysets import (
    AllocationQuerySet,
    CreditNoteQuerySet,
    InvoiceQuerySet,
    PaymentQuerySet,
)

HUNDRED = Decimal("100")


class BillingPolicy(SingleRowSettings):
    """Numbering and defaults of invoicing (one row; edited in the admin)."""

    invoice_prefix = models.CharField(_("invoice number prefix"), max_length=12, default="INV")
    credit_note_prefix = models.CharField(
        _("credit note number prefix"), max_length=12, default="CN"
    )
    default_tax_rate = models.DecimalField(
        _("default tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    payment_days = models.PositiveSmallIntegerField(
        _("days to pay when the payment terms say nothing"), default=30
    )

    class Meta:
        verbose_name = _("billing policy")
        verbose_name_plural = _("billing policy")

    def __str__(self) -> str:
        return f"{self.invoice_prefix} · {self.default_tax_rate}% · {self.payment_days}d"


class NumberSequence(models.Model):
    """The last number given per document kind and year. Taken with ``select_for_update`` at
    issue, in the transaction that uses it: a rolled-back issue gives its number back, so the
    numbers of a year have no gaps."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_sequence_per_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void (credit note)")
    CANCELLED = "cancelled", _("Cancelled draft")


# What holds invoiceable amount, what the customer owes, what is still unpaid.
LIVE_STATES = [
    InvoiceState.DRAFT,
    InvoiceState.ISSUED,
    InvoiceState.PARTIALLY_PAID,
    InvoiceState.PAID,
]
ISSUED_STATES = [InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID, InvoiceState.PAID]
OPEN_STATES = [InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID]


class Invoice(FSMModelMixin, models.Model):
    """An invoice of an order (delivered, accepted work) or of a contract (an advance or dated
    milestone; ``order`` empty). Gross ``amount``, see the module docstring. Numbered at issue;
    immutable once issued (only payments and a void with a credit note change it)."""

    number = models.CharField(_("number"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("numbering year"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="invoices",
        on_delete=models.PROTECT,
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        related_name="invoices",
        on_delete=models.PROTECT,
    )
    order = models.ForeignKey(
        "delivery.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        related_name="invoices",
        on_delete=models.PROTECT,
    )
    term = models.ForeignKey(
        "contracts.PaymentTerm",
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        related_name="invoices",
        on_delete=models.SET_NULL,
    )
    amount = money_field(
        verbose_name=_("amount (tax included)"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = currency_field()
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    payment_days = models.PositiveSmallIntegerField(_("days to pay"))
    paid_amount = money_field(verbose_name=_("paid"), default=Decimal("0"))
    state = FSMField(
        _("state"),
        default=InvoiceState.DRAFT,
        choices=InvoiceState.choices,
        protected=True,
        db_index=True,
    )
    started_on = models.DateField(
        _("work started on"), help_text=_("The order date, or the contract's signing date")
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    cash_days = models.PositiveIntegerField(
        _("order-to-cash days"), null=True, blank=True, help_text=_("From started_on to paid_on")
    )
    overdue_notified_at = models.DateTimeField(_("overdue alert sent"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Whom it was issued to, copied from the customer at issue: renaming the customer later
    # does not rewrite an issued invoice.
    bill_to_name = models.CharField(_("bill-to name"), max_length=200, blank=True)
    bill_to_tax_id = models.CharField(_("bill-to tax id"), max_length=50, blank=True)
    bill_to_address = models.CharField(_("bill-to address"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="invoice_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="invoice_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(paid_amount__gte=0)
                & models.Q(paid_amount__lte=models.F("amount")),
                name="invoice_never_over_paid",
            ),
        ]
        indexes = [
            # The live amount on an order and on a contract (the work queue's sums, what a new
            # invoice may hold): read from the index alone.
            models.Index(
                fields=["order", "state"], include=["amount"], name="invoice_order_state_idx"
            ),
            models.Index(
                fields=["contract", "state"], include=["amount"], name="invoice_contract_state_idx"
            ),
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["customer", "state"]),
            # The receivables' branches beside the open invoices (billing.selectors.
            # currency_figures): issued in the last days (DSO), paid in the last year (order to
            # cash); index ranges, not the whole history.
            models.Index(
                fields=["issued_on"],
                condition=models.Q(issued_on__isnull=False),
                name="invoice_issued_on_idx",
            ),
            models.Index(
                fields=["paid_on"],
                condition=models.Q(cash_days__isnull=False),
                name="invoice_paid_on_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk} ({self.get_state_display()})"

    @property
    def outstanding(self) -> Decimal:
        if self.state not in OPEN_STATES:
            return Decimal("0.00")
        return self.amount - self.paid_amount

    @property
    def net_amount(self) -> Decimal:
        return quantize(self.amount * HUNDRED / (HUNDRED + self.tax_rate))

    @property
    def tax_amount(self) -> Decimal:
        return self.amount - self.net_amount

    @property
    def is_milestone(self) -> bool:
        return self.order_id is None

    @property
    def billed_name(self) -> str:
        """The customer's name as the invoice shows it: as issued, or the customer's today
        while a draft."""
        return self.bill_to_name or self.customer.name

    @transition(field=state, source=InvoiceState.DRAFT, target=InvoiceState.ISSUED)
    def issue(self, *, number: str, year: int, on, due_date) -> None:
        self.number = number
        self.year = year
        self.issued_on = on
        self.due_date = due_date
        self.capture_bill_to()

    def capture_bill_to(self) -> None:
        """Keep whom the invoice is issued to: the customer's name, tax id and address now."""
        customer = self.customer
        self.bill_to_name = customer.name
        self.bill_to_tax_id = customer.tax_id
        self.bill_to_address = customer.address

    @transition(field=state, source=InvoiceState.DRAFT, target=InvoiceState.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(
        field=state,
        source=[InvoiceState.ISSUED, InvoiceState.PAID],
        target=InvoiceState.PARTIALLY_PAID,
    )
    def pay_partly(self) -> None:
        self.paid_on = None
        self.cash_days = None

    @transition(
        field=state,
        source=[InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID],
        target=InvoiceState.PAID,
    )
    def pay_in_full(self, *, on) -> None:
        self.paid_on = on
        self.cash_days = max(0, (on - self.started_on).days)

    @transition(
        field=state,
        source=[InvoiceState.PARTIALLY_PAID, InvoiceState.PAID],
        target=InvoiceState.ISSUED,
    )
    def unpay(self) -> None:
        self.paid_on = None
        self.cash_days = None

    @transition(field=state, source=InvoiceState.ISSUED, target=InvoiceState.VOID)
    def void(self) -> None:
        pass


class InvoiceLine(models.Model):
    """What the invoice is for; the lines add up to the invoice's gross amount."""

    invoice = models.ForeignKey(Invoice, related_name="lines", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    description = models.CharField(_("description"), max_length=300)
    amount = money_field(verbose_name=_("amount (tax included)"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class CreditNote(models.Model):
    """Voids an issued invoice for its full amount; its own gapless numbering. The invoiceable
    amount the invoice held is free again."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("numbering year"))
    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), related_name="credit_note", on_delete=models.PROTECT
    )
    customer = models.ForeignKey(
        "customers.Customer", related_name="credit_notes", on_delete=models.PROTECT
    )
    amount = money_field(verbose_name=_("amount (tax included)"))
    currency = models.CharField(_("currency"), max_length=3)
    issued_on = models.DateField(_("issued on"))
    reason = models.TextField(_("reason"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """Money received from a customer. What is not allocated to invoices is the customer's
    unapplied credit, allocated later. One bank reference per customer; ``external_id`` is the
    ERP's id of the receipt when it sends one (unique per customer when set)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="payments",
        on_delete=models.PROTECT,
    )
    amount = money_field(verbose_name=_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = currency_field()
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=100)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    allocated_amount = money_field(verbose_name=_("allocated"), default=Decimal("0"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reference"], name="payment_reference_unique_per_customer"
            ),
            models.UniqueConstraint(
                fields=["customer", "external_id"],
                condition=~models.Q(external_id=""),
                name="payment_external_id_unique_per_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(allocated_amount__gte=0)
                & models.Q(allocated_amount__lte=models.F("amount")),
                name="payment_never_over_allocated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency}"

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.allocated_amount


class Allocation(models.Model):
    """Part of a payment applied to one invoice. Released (kept, with who and when) to free the
    invoice, e.g. before voiding it; only live allocations count."""

    payment = models.ForeignKey(Payment, related_name="allocations", on_delete=models.PROTECT)
    invoice = models.ForeignKey(Invoice, related_name="allocations", on_delete=models.PROTECT)
    amount = money_field(verbose_name=_("amount"))
    allocated_on = models.DateField(_("allocated on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    release_reason = models.CharField(_("why released"), max_length=300, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="allocation_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"

    @property
    def is_live(self) -> bool:
        return self.released_at is None
