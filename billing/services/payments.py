"""Payments: recorded once per bank reference, allocated to invoices, allocations released."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, Missing, TransitionRefused
from ltc.core.money import Currency, format_money
from ltc.customers.models import Customer
from ltc.integrations.events import emit
from ltc.org.models import User

from .. import rules
from ..models import (
    OPEN_STATES,
    Allocation,
    Invoice,
    InvoiceState,
    Payment,
)
from ._common import MAX_LINES, DuplicatePayment, _check_date, _log, _money, _require_biller
from .invoices import _locked_invoice, sync_order


# Payments ----------------------------------------------------------------------------------------
def _clean_allocations(allocations) -> list[tuple[int, Decimal]]:
    if allocations in (None, ""):
        return []
    if not isinstance(allocations, list | tuple) or len(allocations) > MAX_LINES:
        raise InvalidInput(_("Give the allocations as a list (at most 200)."), "allocations")
    wanted: dict[int, Decimal] = {}
    for index, row in enumerate(allocations, start=1):
        invoice = row.get("invoice") if isinstance(row, dict) else None
        invoice_id = getattr(invoice, "pk", invoice)
        if not isinstance(invoice_id, int):
            raise InvalidInput(
                _("Allocation %(n)s: name the invoice.") % {"n": index}, "allocations"
            )
        wanted[invoice_id] = wanted.get(invoice_id, Decimal("0")) + _money(
            row.get("amount"), "allocations"
        )
    return sorted(wanted.items())


def _allocate(payment: Payment, wanted: list[tuple[int, Decimal]], by: User, on: date) -> None:
    """Apply parts of a locked payment to invoices, each locked (by pk); refused, with every
    reason, when an invoice would be paid more than it owes or the payment spread over more than
    it holds."""
    # Over 60 lines on purpose: one pass checks every input and gathers every error, so the refusal
    # names them all.
    if not wanted:
        return
    invoices = {
        i.pk: i
        for i in Invoice.objects.select_for_update()
        .filter(pk__in=[pk for pk, _amount in wanted])
        .order_by("pk")
    }
    missing = []
    for invoice_id, amount in wanted:
        invoice = invoices.get(invoice_id)
        if invoice is None:
            raise InvalidInput(_("No such invoice: %(id)s.") % {"id": invoice_id}, "allocations")
        name = invoice.number or f"#{invoice.pk}"
        if invoice.customer_id != payment.customer_id:
            missing.append(
                Missing(
                    f"customer_{invoice.pk}",
                    _("%(invoice)s is the payment's customer's") % {"invoice": name},
                )
            )
        if invoice.currency != payment.currency:
            missing.append(
                Missing(
                    f"currency_{invoice.pk}",
                    _("%(invoice)s is in the payment's currency (%(currency)s)")
                    % {"invoice": name, "currency": payment.currency},
                )
            )
        if invoice.state not in OPEN_STATES:
            missing.append(
                Missing(
                    f"open_{invoice.pk}",
                    _("%(invoice)s is issued and not paid in full (it is “%(state)s”)")
                    % {"invoice": name, "state": invoice.get_state_display()},
                )
            )
        elif amount > invoice.amount - invoice.paid_amount:
            missing.append(
                Missing(
                    f"outstanding_{invoice.pk}",
                    _("%(invoice)s has %(outstanding)s outstanding")
                    % {
                        "invoice": name,
                        "outstanding": format_money(
                            invoice.amount - invoice.paid_amount, invoice.currency
                        ),
                    },
                )
            )
    total = sum((amount for _pk, amount in wanted), Decimal("0.00"))
    if total > payment.unapplied:
        missing.append(
            Missing(
                "unapplied",
                _("The payment has %(unapplied)s left to allocate")
                % {"unapplied": payment.unapplied},
            )
        )
    if missing:
        raise TransitionRefused(_("The payment cannot be allocated so."), missing)
    Allocation.objects.bulk_create(
        [
            Allocation(
                payment=payment, invoice_id=pk, amount=amount, allocated_on=on, created_by=by
            )
            for pk, amount in wanted
        ]
    )
    payment.allocated_amount += total
    payment.save(update_fields=["allocated_amount"])
    for invoice_id, amount in wanted:
        invoice = invoices[invoice_id]
        source = invoice.state
        invoice.paid_amount += amount
        if invoice.paid_amount == invoice.amount:
            invoice.pay_in_full(on=on)
        elif invoice.state != InvoiceState.PARTIALLY_PAID:
            invoice.pay_partly()
        invoice.save()
        if invoice.state != source:
            _log(invoice, invoice.state, source, by, payment.reference)
        if invoice.order_id and invoice.state == InvoiceState.PAID:
            sync_order(invoice.order_id, by)


def _duplicate(customer: Customer, reference: str, external_id: str) -> None:
    existing = Payment.objects.filter(customer=customer, reference=reference).first()
    if existing is None and external_id:
        existing = Payment.objects.filter(customer=customer, external_id=external_id).first()
    if existing is not None:
        raise DuplicatePayment(
            _("This payment is recorded already."),
            [
                Missing(
                    "reference_unique",
                    _("The bank reference %(reference)s is not yet recorded for this customer")
                    % {"reference": existing.reference},
                )
            ],
            payment_id=existing.pk,
        )


@transaction.atomic
def record_payment(
    *,
    by: User,
    customer: Customer,
    amount,
    currency: str,
    reference: str,
    received_on: date | None = None,
    allocations=None,
    external_id: str = "",
    note: str = "",
) -> Payment:
    """Money received, allocated at once to the invoices named (never above what each owes);
    the rest stays as the customer's unapplied credit. A bank reference (or ERP id) already
    recorded for the customer is refused with 409 naming the payment."""
    # Over 60 lines on purpose: one transaction that checks every input, refuses a repeated
    # reference and allocates; kept whole so its steps read top to bottom.
    _require_biller(by, "record_payment")
    amount = _money(amount, "amount")
    if currency not in Currency.values:
        raise InvalidInput(_("Give a currency code such as CNY."), "currency")
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(_("Give the bank reference."), "reference")
    if len(reference) > 100:
        raise InvalidInput(_("The bank reference is at most 100 characters."), "reference")
    external_id = (external_id or "").strip()[:100]
    received_on = _check_date(received_on, "date")
    wanted = _clean_allocations(allocations)
    _duplicate(customer, reference, external_id)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                customer=customer,
                amount=amount,
                currency=currency,
                received_on=received_on,
                reference=reference,
                external_id=external_id,
                note=(note or "").strip()[:300],
                created_by=by,
            )
    except IntegrityError:  # the same reference recorded by a concurrent request
        _duplicate(customer, reference, external_id)
        raise
    _allocate(payment, wanted, by, received_on)
    emit(
        "payment.received",
        {
            "payment": payment.pk,
            "customer": payment.customer_id,
            "amount": payment.amount,
            "currency": payment.currency,
            "received_on": payment.received_on,
            "reference": payment.reference,
            "external_id": payment.external_id,
            "allocations": [
                {"invoice": invoice_id, "amount": amount}
                for invoice_id, amount in payment.allocations.values_list("invoice_id", "amount")
            ],
        },
    )
    return payment


def _locked_payment(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment.pk)


@transaction.atomic
def allocate_payment(*, payment: Payment, by: User, allocations, on: date | None = None) -> Payment:
    """Apply a payment's unapplied credit to invoices later."""
    _require_biller(by, "record_payment")
    on = _check_date(on, "date")
    wanted = _clean_allocations(allocations)
    if not wanted:
        raise InvalidInput(_("Name the invoices to allocate to."), "allocations")
    payment = _locked_payment(payment)
    _allocate(payment, wanted, by, on)
    return payment


@transaction.atomic
def release_allocation(*, allocation: Allocation, by: User, reason: str) -> Allocation:
    """Take an allocation back: the payment's credit is unapplied again, the invoice owes it
    again (e.g. before it is voided)."""
    _require_biller(by, "record_payment")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the allocation is released."), "reason")
    payment = _locked_payment(allocation.payment)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    allocation.invoice = invoice = _locked_invoice(allocation.invoice)
    rules.allocation_actions(by, allocation)["release"].require()
    allocation.released_at = timezone.now()
    allocation.released_by = by
    allocation.release_reason = reason[:300]
    allocation.save(update_fields=["released_at", "released_by", "release_reason"])
    payment.allocated_amount -= allocation.amount
    payment.save(update_fields=["allocated_amount"])
    source = invoice.state
    invoice.paid_amount -= allocation.amount
    if invoice.paid_amount == 0:
        invoice.unpay()
    elif invoice.state == InvoiceState.PAID:
        invoice.pay_partly()
    invoice.save()
    if invoice.state != source:
        _log(invoice, "release", source, by, reason)
    return allocation
