"""Quotes and their lines: approval-gated, versioned, answered by the customer."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.money import currency_field, money_field

from ..querysets import QuoteQuerySet
from ._common import HUNDRED, margin_of


# Quotes ----------------------------------------------------------------------------------------
class QuoteState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for discount approval")
    APPROVED = "approved", _("Discount approved")
    SENT = "sent", _("Sent to the customer")
    ACCEPTED = "accepted", _("Accepted by the customer")
    DECLINED = "declined", _("Declined by the customer")
    SUPERSEDED = "superseded", _("Superseded by a newer version")


@requirement("lines", _("The quote has at least one line"))
def has_lines(quote: Quote) -> bool:
    return quote.total > 0


@requirement("valid_until", _("The quote is valid until a future date"))
def is_still_valid(quote: Quote) -> bool:
    from django.utils import timezone

    return quote.valid_until is not None and quote.valid_until >= timezone.localdate()


@requirement("discount_approved", _("Discounts above the threshold are approved by a manager"))
def discount_needs_no_approval(quote: Quote) -> bool:
    return not quote.needs_approval


@requirement("needs_approval", _("A discount is above the threshold (otherwise send it directly)"))
def discount_needs_approval(quote: Quote) -> bool:
    return quote.needs_approval


class Quote(FSMModelMixin, models.Model):
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        related_name="quotes",
        on_delete=models.PROTECT,
    )
    number = models.CharField(_("number"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        related_name="next_version",
        on_delete=models.PROTECT,
    )
    currency = currency_field()
    valid_until = models.DateField(_("valid until"))
    # The book its product lines are priced from, valid on ``priced_on`` (when the lines were
    # last written); free-text lines need no book.
    price_book = models.ForeignKey(
        "products.PriceBook",
        verbose_name=_("price book"),
        null=True,
        blank=True,
        related_name="quotes",
        on_delete=models.PROTECT,
    )
    priced_on = models.DateField(_("priced on"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    state = FSMField(
        _("state"), default=QuoteState.DRAFT, choices=QuoteState.choices, protected=True
    )
    subtotal = money_field(verbose_name=_("list total"), default=Decimal("0"), editable=False)
    discount_total = money_field(verbose_name=_("discount"), default=Decimal("0"), editable=False)
    total = money_field(verbose_name=_("total"), default=Decimal("0"), editable=False)
    max_discount = models.DecimalField(
        _("largest line discount off list (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    needs_approval = models.BooleanField(
        _("needs discount approval"), default=False, editable=False
    )
    # What the quoted lines cost us, once every line has its unit cost (entered by the SR,
    # finance or a manager: ``contracts.fields``); empty while any line waits for its cost.
    cost_total = money_field(verbose_name=_("cost"), null=True, blank=True, editable=False)
    costs_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("costs entered by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    costs_at = models.DateTimeField(_("costs entered"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "version"], name="quote_version_unique"),
            models.UniqueConstraint(fields=["number"], name="quote_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.state == QuoteState.DRAFT

    @property
    def margin_percent(self) -> Decimal | None:
        """(total − cost) / total, once every line has its unit cost; None while unknown."""
        return margin_of(self.total, self.cost_total)

    @property
    def discount_percent(self) -> Decimal:
        """The whole quote's discount off its list total, in percent."""
        if self.subtotal <= 0:
            return Decimal("0.00")
        return (self.discount_total * HUNDRED / self.subtotal).quantize(Decimal("0.01"))

    @transition(
        field=state,
        source=QuoteState.DRAFT,
        target=QuoteState.PENDING_APPROVAL,
        conditions=[has_lines, is_still_valid, discount_needs_approval],
    )
    def submit(self) -> None:
        pass

    @transition(field=state, source=QuoteState.PENDING_APPROVAL, target=QuoteState.APPROVED)
    def approve(self, *, by, at) -> None:
        self.approved_by = by
        self.approved_at = at

    @transition(field=state, source=QuoteState.PENDING_APPROVAL, target=QuoteState.DRAFT)
    def reject(self) -> None:
        pass

    @transition(
        field=state,
        source=QuoteState.DRAFT,
        target=QuoteState.SENT,
        conditions=[has_lines, is_still_valid, discount_needs_no_approval],
    )
    def send(self, *, at) -> None:
        self.sent_at = at

    @transition(
        field=state,
        source=QuoteState.APPROVED,
        target=QuoteState.SENT,
        conditions=[has_lines, is_still_valid],
    )
    def send_approved(self, *, at) -> None:
        self.sent_at = at

    @transition(field=state, source=QuoteState.SENT, target=QuoteState.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=state, source=QuoteState.SENT, target=QuoteState.DECLINED)
    def decline(self) -> None:
        pass

    @transition(
        field=state,
        source=[
            QuoteState.DRAFT,
            QuoteState.PENDING_APPROVAL,
            QuoteState.APPROVED,
            QuoteState.SENT,
            QuoteState.DECLINED,
        ],
        target=QuoteState.SUPERSEDED,
    )
    def supersede(self) -> None:
        pass


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, related_name="lines", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    # A catalogue line: its list price comes from the quote's price book, its unit cost from
    # the product's cost price; without a product the line is free text (always approved).
    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        related_name="quote_lines",
        on_delete=models.PROTECT,
    )
    list_price = money_field(verbose_name=_("list price"), null=True, blank=True, editable=False)
    discount_off_list = models.DecimalField(
        _("discount off list (%)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    cost_from_catalogue = models.BooleanField(
        _("cost from the catalogue"), default=False, editable=False
    )
    product_code = models.CharField(_("product code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = money_field(
        verbose_name=_("unit price"), validators=[MinValueValidator(Decimal("0"))]
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    list_amount = money_field(verbose_name=_("list amount"), default=Decimal("0"), editable=False)
    amount = money_field(verbose_name=_("amount"), default=Decimal("0"), editable=False)
    # What one unit costs us; entered by the deal's SR, finance or a manager, never by its AR.
    unit_cost = money_field(
        verbose_name=_("unit cost"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="quote_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="quote_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0) & models.Q(discount_percent__lte=100),
                name="quote_line_discount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_cost__isnull=True) | models.Q(unit_cost__gte=0),
                name="quote_line_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_free_text(self) -> bool:
        return self.product_id is None

    @property
    def net_unit_price(self) -> Decimal:
        """What one unit sells for after the line's discount (unrounded: the amount is)."""
        return self.unit_price * (HUNDRED - self.discount_percent) / HUNDRED

    @property
    def margin_percent(self) -> Decimal | None:
        return margin_of(self.amount, self.cost_amount)

    @property
    def cost_amount(self) -> Decimal | None:
        if self.unit_cost is None:
            return None
        from ltc.core.money import quantize

        return quantize(self.quantity * self.unit_cost)
