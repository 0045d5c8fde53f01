"""Invoices: drafted from what is invoiceable, issued (numbered), voided by a credit note, and
the order's invoiced state kept in step."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, PaymentTerm, Trigger
from delivery.models import DeliveryUnit, Order, OrderState
from ltc.activity.services import log_transition
from ltc.core.errors import InvalidInput, TransitionRefused
from ltc.core.money import format_money, quantize
from ltc.integrations.events import emit
from ltc.org.models import User

from .. import invoiceable, rules
from ..models import (
    ISSUED_STATES,
    BillingPolicy,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceState,
    NumberSequence,
)
from ._common import (
    MAX_LINES,
    AboveInvoiceable,
    _check_date,
    _log,
    _money,
    _next_number,
    _require_biller,
    _tax_rate,
)


# Invoices ----------------------------------------------------------------------------------------
def _clean_lines(lines, amount: Decimal, default: str) -> list[dict]:
    if not lines:
        return [{"description": default[:300], "amount": amount}]
    if not isinstance(lines, list | tuple) or len(lines) > MAX_LINES:
        raise InvalidInput(_("Give the lines as a list (at most 200)."), "lines")
    cleaned = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or not str(line.get("description") or "").strip():
            raise InvalidInput(_("Line %(n)s: describe it.") % {"n": index}, "lines")
        cleaned.append(
            {
                "description": str(line["description"]).strip()[:300],
                "amount": _money(line.get("amount"), "lines"),
            }
        )
    total = sum((line["amount"] for line in cleaned), Decimal("0.00"))
    if total != amount:
        raise InvalidInput(
            _("The lines add up to %(lines)s; they must add up to the invoice's %(amount)s.")
            % {"lines": format_money(total), "amount": format_money(amount)},
            "lines",
        )
    return cleaned


def _lock_contract(contract_id: int) -> Contract:
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("customer", "opportunity")
        .get(pk=contract_id)
    )


def _lock_order(order_id: int) -> Order:
    """The order's units, then the order (the delivery services' lock order)."""
    list(
        DeliveryUnit.objects.select_for_update()
        .filter(order_id=order_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return Order.objects.select_for_update().get(pk=order_id)


def _acceptance_days(contract: Contract) -> int | None:
    term = contract.terms.filter(trigger=Trigger.ACCEPTANCE).order_by("position", "id").first()
    return term.days_to_pay if term else None


def _refuse_above(amount: Decimal, figures) -> None:
    """Refuse ``amount`` above ``figures.invoiceable`` (of an order or of a contract), with every
    reason: which milestone each amount belongs to and why the rest is not invoiceable yet."""
    if amount > figures.invoiceable:
        raise AboveInvoiceable(
            _("At most %(invoiceable)s may be invoiced here now.")
            % {"invoiceable": invoiceable.money(figures.invoiceable)},
            list(figures.reasons),
            invoiceable=figures.invoiceable,
        )


_active = rules.contract_active  # (the name callers import)


@transaction.atomic
def create_invoice(
    *,
    by: User,
    amount,
    order: Order | None = None,
    contract: Contract | None = None,
    term: PaymentTerm | None = None,
    tax_rate=None,
    payment_days: int | None = None,
    lines=None,
    note: str = "",
) -> Invoice:
    """A draft invoice of an order (up to its accepted value × the acceptance share of the
    payment terms, not yet invoiced) or of a contract (its advance and dated milestones due now,
    not yet invoiced); within the contract's amount (``billing.invoiceable``). Refused with 409,
    every reason and the invoiceable amount, when above."""
    # Over 60 lines on purpose: one transaction on rows taken in the lock order; kept whole so that
    # order reads top to bottom.
    _require_biller(by)
    if (order is None) == (contract is None):
        raise InvalidInput(_("Invoice either an order or a contract (for a milestone)."), "order")
    amount = _money(amount, "amount")
    rate = _tax_rate(tax_rate)
    if payment_days is not None and not (0 <= int(payment_days) <= 365):
        raise InvalidInput(_("The days to pay are between 0 and 365."), "payment_days")
    contract = _lock_contract(order.contract_id if order is not None else contract.pk)
    missing = _active(contract)
    if order is not None:
        order = _lock_order(order.pk)
        missing += rules.order_open(order)  # the rule's state items; the money just below
        if missing:
            raise TransitionRefused(_("The order cannot be invoiced."), missing)
        _refuse_above(amount, invoiceable.for_order(order, contract=contract))
        days = _acceptance_days(contract)
        started_on = order.order_date
        default_line = force_str(_("PO %(number)s: accepted delivery") % {"number": order.number})
    else:
        if term is not None and term.contract_id != contract.pk:
            raise InvalidInput(_("This milestone is not one of the contract's."), "term")
        if missing:
            raise TransitionRefused(_("The contract cannot be invoiced."), missing)
        _refuse_above(amount, invoiceable.for_contract(contract, term=term))
        days = term.days_to_pay if term is not None else None
        started_on = contract.signed_on or timezone.localdate()
        default_line = force_str(
            _("Contract %(number)s: %(label)s")
            % {"number": contract.number, "label": term.label if term else _("milestones")}
        )
    if payment_days is None:
        payment_days = days if days is not None else BillingPolicy.current().payment_days
    cleaned = _clean_lines(lines, amount, default_line)
    invoice = Invoice.objects.create(
        customer_id=contract.customer_id,
        contract=contract,
        order=order,
        term=term,
        amount=amount,
        currency=contract.currency,
        tax_rate=rate,
        payment_days=int(payment_days),
        started_on=started_on,
        note=(note or "").strip()[:300],
        created_by=by,
    )
    InvoiceLine.objects.bulk_create(
        [InvoiceLine(invoice=invoice, position=i, **line) for i, line in enumerate(cleaned, 1)]
    )
    log_transition(obj=invoice, transition="create", source="", target=invoice.state, actor=by)
    invoiceable.store_invoiceable(contract_ids=[contract.pk])  # the contract's room changed
    return invoice


def _locked_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def cancel_draft(*, invoice: Invoice, by: User, reason: str = "") -> Invoice:
    """A draft is dropped (kept as cancelled): what it held is invoiceable again."""
    _require_biller(by)
    invoice = _locked_invoice(invoice)
    rules.invoice_actions(by, invoice)["cancel"].require()
    _lock_contract(invoice.contract_id)  # (the invoice services' lock order)
    invoice.cancel()
    invoice.save()
    _log(invoice, "cancel", InvoiceState.DRAFT, by, reason)
    invoiceable.store_invoiceable(contract_ids=[invoice.contract_id])
    return invoice


@transaction.atomic
def issue_invoice(*, invoice: Invoice, by: User, on: date | None = None) -> Invoice:
    """Number the draft (gapless per year), date it and set its due date from its days to pay.
    The cap is checked again: a correction of an acceptance may have lowered it since."""
    _require_biller(by)
    on = _check_date(on, "date")
    invoice = _locked_invoice(invoice)
    invoice.contract = contract = _lock_contract(invoice.contract_id)
    rules.invoice_actions(by, invoice)["issue"].require()
    if invoice.order_id:
        order = _lock_order(invoice.order_id)
        figures = invoiceable.for_order(order, contract=contract, exclude=invoice.pk)
    else:
        figures = invoiceable.for_contract(contract, term=invoice.term, exclude=invoice.pk)
    _refuse_above(invoice.amount, figures)
    policy = BillingPolicy.current()
    number = _next_number(NumberSequence.Kind.INVOICE, on.year)
    invoice.issue(
        number=f"{policy.invoice_prefix}{on.year}-{number:05d}",
        year=on.year,
        on=on,
        due_date=on + timedelta(days=invoice.payment_days),
    )
    invoice.save()
    _log(invoice, "issue", InvoiceState.DRAFT, by)
    if invoice.order_id:
        sync_order(invoice.order_id, by)
    emit(
        "invoice.issued",
        {
            "invoice": invoice.pk,
            "number": invoice.number,
            "customer": invoice.customer_id,
            "contract": invoice.contract_id,
            "order": invoice.order_id,
            "amount": invoice.amount,
            "currency": invoice.currency,
            "issued_on": invoice.issued_on,
            "due_date": invoice.due_date,
        },
    )
    return invoice


@transaction.atomic
def void_invoice(*, invoice: Invoice, by: User, reason: str) -> CreditNote:
    """An issued, unpaid invoice is voided by a credit note for its full amount (numbered in its
    own gapless sequence); what it held is invoiceable again. Payments allocated to it must be
    released first."""
    _require_biller(by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the invoice is voided."), "reason")
    invoice = _locked_invoice(invoice)
    _lock_contract(invoice.contract_id)  # (the invoice services' lock order)
    rules.invoice_actions(by, invoice)["void"].require()
    today = timezone.localdate()
    policy = BillingPolicy.current()
    number = _next_number(NumberSequence.Kind.CREDIT_NOTE, today.year)
    note = CreditNote.objects.create(
        number=f"{policy.credit_note_prefix}{today.year}-{number:05d}",
        year=today.year,
        invoice=invoice,
        customer_id=invoice.customer_id,
        amount=invoice.amount,
        currency=invoice.currency,
        issued_on=today,
        reason=reason,
        created_by=by,
    )
    invoice.void()
    invoice.save()
    _log(invoice, "void", InvoiceState.ISSUED, by, f"{note.number}: {reason}")
    if invoice.order_id:
        sync_order(invoice.order_id, by)
    invoiceable.store_invoiceable(contract_ids=[invoice.contract_id])
    return note


def sync_order(order_id: int, by: User | None = None) -> Order:
    """Move the order to invoiced when it is delivered and its issued invoices cover its own
    part (its amount × the acceptance share of the payment terms; the advance and the dated
    milestones are invoiced against the contract), back to delivered when they no longer do, and
    to closed when they are all paid in full."""
    order = _lock_order(order_id)
    own = invoiceable.share_of(
        order.amount, invoiceable.acceptance_percent(invoiceable.terms_of(order.contract))
    )
    rows = Invoice.objects.filter(order_id=order_id, state__in=ISSUED_STATES)
    issued = quantize(rows.aggregate(total=Sum("amount"))["total"] or 0)
    unpaid = rows.exclude(state=InvoiceState.PAID).exists()
    steps = []
    if order.state == OrderState.DELIVERED and issued >= own:
        steps.append("mark_invoiced")
    if order.state == OrderState.INVOICED and issued < own:
        steps.append("unmark_invoiced")
    if (order.state == OrderState.INVOICED or steps == ["mark_invoiced"]) and (
        issued >= own and not unpaid
    ):
        steps.append("close")
    for method in steps:
        source = order.state
        getattr(order, method)()
        log_transition(obj=order, transition=method, source=source, target=order.state, actor=by)
    if steps:
        order.save()
        invoiceable.store_invoiceable(order_ids=[order.pk])  # closed: nothing invoiceable
    return order
