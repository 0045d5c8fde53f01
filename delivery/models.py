"""Orders and delivery (订单与交付): purchase orders under a signed contract, delivery units the
customer accepts, and the revenue recognised on acceptance (never on shipment)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.deletion import never_deleted
from ltc.core.money import currency_field, money_field

from .querysets import OrderQuerySet, RevenueQuerySet, UnitQuerySet


class OrderState(models.TextChoices):
    OPEN = "open", _("Open")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered (all units accepted)")
    INVOICED = "invoiced", _("Invoiced")
    CLOSED = "closed", _("Closed")


class Order(FSMModelMixin, models.Model):
    """A purchase order (PO) under a contract. Its state follows its units: it is moved by the
    delivery services after every unit transition, never set by hand."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        related_name="orders",
        on_delete=models.PROTECT,
    )
    number = models.CharField(_("PO number"), max_length=60)
    amount = money_field(verbose_name=_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = currency_field()
    order_date = models.DateField(_("order date"))
    # The id of this PO in the ERP that syncs it (``PUT orders/by-external-id/<id>/``).
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    state = FSMField(
        _("state"),
        default=OrderState.OPEN,
        choices=OrderState.choices,
        protected=True,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # What may be invoiced on the order now, as billing's one definition computes it
    # (``billing.invoiceable.order_figures``); kept by billing in the same transaction as
    # acceptance, invoicing and voiding (``billing.invoiceable.store_invoiceable``), so that the
    # work queue's top is an index read. Never written by hand.
    invoiceable = models.DecimalField(
        _("invoiceable now"), max_digits=16, decimal_places=2, default=Decimal("0"), editable=False
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "-id"]
        indexes = [
            # The invoiceable work queue: most invoiceable first, then the newest.
            models.Index(
                F("invoiceable").desc(),
                F("order_date").desc(),
                F("id").desc(),
                name="order_invoiceable_queue",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="order_number_unique_per_contract"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="order_amount_positive"),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="order_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @transition(
        field=state, source=[OrderState.OPEN, OrderState.DELIVERED], target=OrderState.DELIVERING
    )
    def start_delivery(self) -> None:
        pass

    @transition(
        field=state, source=[OrderState.OPEN, OrderState.DELIVERING], target=OrderState.DELIVERED
    )
    def complete_delivery(self) -> None:
        pass

    @transition(field=state, source=OrderState.DELIVERING, target=OrderState.OPEN)
    def back_to_open(self) -> None:
        pass

    @transition(field=state, source=OrderState.DELIVERED, target=OrderState.INVOICED)
    def mark_invoiced(self) -> None:
        pass

    @transition(field=state, source=OrderState.INVOICED, target=OrderState.DELIVERED)
    def unmark_invoiced(self) -> None:
        pass

    @transition(field=state, source=OrderState.INVOICED, target=OrderState.CLOSED)
    def close(self) -> None:
        pass


class UnitState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SHIPPED = "shipped", _("Shipped")
    # Its own context: a delivery is accepted after inspection (验收), a quote is agreed (接受).
    ACCEPTED = "accepted", pgettext_lazy("delivery unit", "Accepted by the customer")


class UnitKind(models.TextChoices):
    SITE = "site", _("Site")
    CLUSTER = "cluster", _("Cluster")
    SHIPMENT = "shipment", _("Shipment")


class DeliveryUnit(FSMModelMixin, models.Model):
    """What the customer accepts as one piece: a site, a cluster of base stations, a shipment."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), related_name="units", on_delete=models.CASCADE
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.SHIPMENT
    )
    amount = money_field(verbose_name=_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    # What the unit delivers, one of the products of the contract's quote (optional): revenue
    # and delivery are then reported by product family.
    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        related_name="delivery_units",
        on_delete=models.PROTECT,
    )
    state = FSMField(
        _("state"),
        default=UnitState.PLANNED,
        choices=UnitState.choices,
        protected=True,
        db_index=True,
    )
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    certificate = models.CharField(_("acceptance certificate"), max_length=200, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery unit")
        verbose_name_plural = _("delivery units")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="unit_amount_positive")
        ]
        indexes = [
            models.Index(fields=["state", "accepted_on"]),
            # An order's accepted value (the work queue, what may be invoiced): from the index.
            models.Index(
                fields=["order", "state"], include=["amount"], name="unit_order_state_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @transition(field=state, source=UnitState.PLANNED, target=UnitState.SHIPPED)
    def ship(self, *, on) -> None:
        self.shipped_on = on

    @transition(field=state, source=UnitState.SHIPPED, target=UnitState.ACCEPTED)
    def accept(self, *, on, certificate, by) -> None:
        self.accepted_on = on
        self.certificate = certificate
        self.accepted_by = by

    @transition(field=state, source=UnitState.ACCEPTED, target=UnitState.SHIPPED)
    def correct(self) -> None:
        """Un-accept, only as a manager's recorded correction (the revenue is reversed)."""
        self.accepted_on = None
        self.certificate = ""
        self.accepted_by = None


class RevenueEntry(models.Model):
    """The revenue ledger: recognised when a unit is accepted, in the month of its acceptance
    date; a correction writes the reversing entry. Finance and the dashboards read it."""

    class Kind(models.TextChoices):
        RECOGNITION = "recognition", _("Recognised on acceptance")
        REVERSAL = "reversal", _("Reversed by a correction")

    unit = models.ForeignKey(DeliveryUnit, related_name="revenue", on_delete=models.PROTECT)
    order = models.ForeignKey(Order, related_name="revenue", on_delete=models.PROTECT)
    contract = models.ForeignKey(
        "contracts.Contract", related_name="revenue", on_delete=models.PROTECT
    )
    customer = models.ForeignKey(
        "customers.Customer", related_name="revenue", on_delete=models.PROTECT
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = money_field(verbose_name=_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    recognised_on = models.DateField(_("recognised on"))
    period = models.DateField(_("accounting period"), help_text=_("First day of the month"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = RevenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("revenue entry")
        verbose_name_plural = _("revenue ledger")
        ordering = ["-recognised_on", "-id"]
        indexes = [
            models.Index(fields=["period", "currency"]),
            models.Index(fields=["contract", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.recognised_on} {self.amount} {self.currency}"


class UnitCorrection(models.Model):
    unit = models.ForeignKey(DeliveryUnit, related_name="corrections", on_delete=models.CASCADE)
    reason = models.TextField(_("reason"), max_length=2000)
    previous_accepted_on = models.DateField(_("was accepted on"))
    previous_certificate = models.CharField(_("previous certificate"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("acceptance correction")
        verbose_name_plural = _("acceptance corrections")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.reason[:40]}"


# Delivery and revenue records are corrected, never deleted (ltc/core/deletion.py).
never_deleted(Order, instead=_("Correct its units instead."))
never_deleted(DeliveryUnit, instead=_("Correct its acceptance instead."))
never_deleted(RevenueEntry, instead=_("Correct the unit's acceptance: a reversal is booked."))
