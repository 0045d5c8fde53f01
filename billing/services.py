"""Every operation that changes an invoice, a credit note, a payment or an allocation. One
transaction each, on rows taken with ``select_for_update``.

Lock order (so concurrent operations never deadlock): payment → invoices (by pk) → contract →
delivery units (by pk) → order. Invoicing locks the contract and the order's units before it
computes what is invoiceable, so two concurrent invoices, or an invoice and an acceptance
correction, can never together run ahead of acceptance or milestones.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from contracts import services as contract_services
from contracts.models import ACTIVE_STATES, Contract, PaymentTerm, Trigger
from delivery import services as delivery_services
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.activity.services import log_transition, notify_many
from ltc.core.dates import check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.core.money import Currency, quantize
from ltc.customers.models import Customer
from ltc.integrations.events import emit
from ltc.org.models import Role, User

from . import invoiceable
from .models import (
    ISSUED_STATES,
    OPEN_STATES,
    Allocation,
    BillingPolicy,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceState,
    NumberSequence,
    Payment,
)
from .querysets import sees_all_billing

MAX_LINES = 200


class AboveInvoiceable(TransitionRefused):
    """An invoice above what may be invoiced: 409 with every reason and the ``invoiceable``
    amount."""

    def __init__(self, detail, missing, *, invoiceable: Decimal):
        self.invoiceable = invoiceable
        super().__init__(detail, missing)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "invoiceable": str(self.invoiceable)}


class DuplicatePayment(TransitionRefused):
    """The customer's payment with this bank reference (or ERP id) is recorded already: 409,
    naming it."""

    def __init__(self, detail, missing, *, payment_id: int | None):
        self.payment_id = payment_id
        super().__init__(detail, missing)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "payment": self.payment_id}


# Small helpers -----------------------------------------------------------------------------------
def may_bill(user) -> bool:
    """Finance, admins and integrations (the ERP) invoice and record payments."""
    return sees_all_billing(user)


def _require_biller(user) -> None:
    if not may_bill(user):
        raise NotAllowed(_("Only finance (or an admin, or the ERP) invoices and records payments."))


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Give an amount as a number."), field)
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e13"):
        raise InvalidInput(_("The amount must be positive."), field)
    if amount != quantize(amount):
        raise InvalidInput(_("The amount has at most two decimals."), field)
    return quantize(amount)


def _tax_rate(value) -> Decimal:
    if value is None or value == "":
        return BillingPolicy.current().default_tax_rate
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Give the tax rate as a percentage."), "tax_rate")
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise InvalidInput(_("The tax rate is between 0 and 100%."), "tax_rate")
    return rate.quantize(Decimal("0.01"))


def _check_date(on: date | None, field: str) -> date:
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise InvalidInput(_("The date cannot be in the future."), field)
    check_business_date(on, field=field)
    return on


def _next_number(kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``, from its sequence row locked for the rest of the
    transaction (a rollback gives the number back: no gaps)."""
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:  # created by a concurrent transaction meanwhile
        pass
    sequence = NumberSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def _invoice_url(invoice_id: int) -> str:
    return reverse("billing:invoice_detail", args=[invoice_id])


def _log(obj, transition: str, source: str, by, comment: str = "") -> None:
    log_transition(
        obj=obj, transition=transition, source=source, target=obj.state, actor=by, comment=comment
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
            % {"lines": total, "amount": amount},
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


def _active(contract: Contract) -> list[Missing]:
    if contract.state in ACTIVE_STATES:
        return []
    return [Missing("contract_active", _("The contract is signed or executing"))]


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
        if order.state == OrderState.CLOSED:
            missing.append(Missing("order_open", _("The order is not closed")))
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
    return invoice


def _locked_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def cancel_draft(*, invoice: Invoice, by: User, reason: str = "") -> Invoice:
    """A draft is dropped (kept as cancelled): what it held is invoiceable again."""
    _require_biller(by)
    invoice = _locked_invoice(invoice)
    ensure_can(invoice, "cancel", _("Only a draft can be cancelled."))
    invoice.cancel()
    invoice.save()
    _log(invoice, "cancel", InvoiceState.DRAFT, by, reason)
    return invoice


@transaction.atomic
def issue_invoice(*, invoice: Invoice, by: User, on: date | None = None) -> Invoice:
    """Number the draft (gapless per year), date it and set its due date from its days to pay.
    The cap is checked again: a correction of an acceptance may have lowered it since."""
    _require_biller(by)
    on = _check_date(on, "date")
    invoice = _locked_invoice(invoice)
    ensure_can(invoice, "issue", _("The invoice cannot be issued."))
    contract = _lock_contract(invoice.contract_id)
    missing = _active(contract)
    if missing:
        raise TransitionRefused(_("The invoice cannot be issued."), missing)
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
    extra = []
    if invoice.allocations.live().exists():
        extra.append(
            Missing(
                "allocations_released",
                _("The payments allocated to it are released (%(paid)s is allocated)")
                % {"paid": invoice.paid_amount},
            )
        )
    if invoice.order_id and invoice.order.state == OrderState.CLOSED:
        extra.append(Missing("order_open", _("The order is not closed")))
    ensure_can(invoice, "void", _("The invoice cannot be voided."), extra)
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
    return order


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
                    % {"invoice": name, "outstanding": invoice.amount - invoice.paid_amount},
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
    _require_biller(by)
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
    _require_biller(by)
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
    _require_biller(by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the allocation is released."), "reason")
    payment = _locked_payment(allocation.payment)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    invoice = _locked_invoice(allocation.invoice)
    missing = []
    if not allocation.is_live:
        missing.append(Missing("live", _("The allocation is not released already")))
    if invoice.order_id and invoice.order.state == OrderState.CLOSED:
        missing.append(Missing("order_open", _("The invoice's order is not closed")))
    if missing:
        raise TransitionRefused(_("The allocation cannot be released."), missing)
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


# Overdue alerts ----------------------------------------------------------------------------------
def notify_overdue_invoices(*, today: date | None = None) -> int:
    """Tell finance and the deal's AR, once per invoice, that it has just become overdue (its due
    date has passed, it is not paid in full). Set-based and idempotent: the invoices are marked in
    the transaction that writes the notifications, rows another run holds are skipped."""
    today = today or timezone.localdate()
    with transaction.atomic():
        rows = list(
            Invoice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=OPEN_STATES, due_date__lt=today, overdue_notified_at__isnull=True)
            .values(
                "pk",
                "number",
                "due_date",
                "amount",
                "paid_amount",
                "currency",
                "contract__opportunity__owner_id",
            )
        )
        if not rows:
            return 0
        finance = list(
            User.objects.filter(role=Role.FINANCE, is_active=True).values_list("pk", flat=True)
        )
        items = []
        for row in rows:  # one notification per recipient and invoice, written in one insert
            params = {
                "number": row["number"],
                "due": row["due_date"].isoformat(),
                "outstanding": str(row["amount"] - row["paid_amount"]),
                "currency": row["currency"],
            }
            url = _invoice_url(row["pk"])
            recipients = (set(finance) | {row["contract__opportunity__owner_id"]}) - {None}
            items.extend((pk, "invoice_overdue", params, url) for pk in sorted(recipients))
        notify_many(items)
        Invoice.objects.filter(pk__in=[row["pk"] for row in rows]).update(
            overdue_notified_at=timezone.now()
        )
    return len(rows)


# What the contracts and delivery apps ask of us (registered in apps.ready) ----------------------
def orders_invoiced_and_paid(contract: Contract) -> list[Missing]:
    """A contract closes only when every order is invoiced and paid and no invoice is open. Under
    terms without a milestone on acceptance nothing is invoiced on the orders: delivered is
    enough (the delivery app checks that)."""
    missing = []
    orders = Order.objects.filter(contract=contract).exclude(state=OrderState.CLOSED)
    if not invoiceable.acceptance_percent(invoiceable.terms_of(contract)):
        orders = orders.exclude(state__in=[OrderState.DELIVERED, OrderState.INVOICED])
    unpaid_orders = orders.count()
    if unpaid_orders:
        missing.append(
            Missing(
                "orders_paid",
                _("All orders are invoiced and paid (%(count)s are not)")
                % {"count": unpaid_orders},
            )
        )
    open_invoices = Invoice.objects.filter(
        contract=contract, state__in=[InvoiceState.DRAFT, *OPEN_STATES]
    ).count()
    if open_invoices:
        missing.append(
            Missing(
                "invoices_paid",
                _("Every invoice is paid or voided (%(count)s are open)")
                % {"count": open_invoices},
            )
        )
    return missing


def contract_invoiced_in_full(contract: Contract) -> list[Missing]:
    """A contract closes only when its live invoices add up to its amount: every milestone (the
    advance, the acceptance shares, the retention) invoiced, so no money the terms make due is
    left behind by closing. A contract that will not be delivered in full is lowered by a change
    request first."""
    figures = invoiceable.for_contract(contract)
    if figures.invoiced >= figures.amount:
        return []
    left = [
        m.term.label
        for m in figures.milestones
        if m.term.trigger != Trigger.ACCEPTANCE and m.term.invoiced < m.term.amount
    ]
    return [
        Missing(
            "contract_invoiced",
            _(
                "The invoices add up to the contract amount (%(invoiced)s of %(amount)s; "
                "%(left)s still to invoice%(labels)s); lower the amount by a change request if "
                "less will be delivered"
            )
            % {
                "invoiced": invoiceable.money(figures.invoiced),
                "amount": invoiceable.money(figures.amount),
                "left": invoiceable.money(figures.amount - figures.invoiced),
                "labels": (": " + ", ".join(left)) if left else "",
            },
        )
    ]


def invoices_stay_covered(unit: DeliveryUnit) -> list[Missing]:
    """An acceptance is corrected only if the order's invoices (drafts included) stay within
    what the acceptance share of the payment terms makes due on what remains accepted:
    invoicing never runs ahead of acceptance, not even afterwards."""
    if unit.state != UnitState.ACCEPTED:
        return []  # nothing to correct: the delivery service says so
    order = unit.order
    after = invoiceable.for_order(order, accepted=invoiceable.accepted_value(order) - unit.amount)
    if after.invoiced > after.due:
        return [
            Missing(
                "invoices_covered",
                _(
                    "The order's invoices (%(invoiced)s) stay within %(percent)s%% on acceptance "
                    "of what remains accepted (%(left)s): %(due)s; void or cancel them first"
                )
                % {
                    "invoiced": invoiceable.money(after.invoiced),
                    "percent": invoiceable.percent(after.acceptance_percent),
                    "left": invoiceable.money(after.accepted),
                    "due": invoiceable.money(after.due),
                },
            )
        ]
    return []


def invoices_fit_terms(contract: Contract, new_amount: Decimal, new_terms: list[dict]) -> list:
    """A change of the contract's amount or payment terms is applied only if what is invoiced
    stays within what the new terms make due today: each order's invoices within its accepted
    value × the new acceptance share, the invoices against the contract within the milestones
    the new terms have triggered, all of them within the new amount."""
    terms = invoiceable.proposed_terms(new_amount, new_terms)
    sums = (
        invoiceable.live_invoices()
        .filter(contract=contract)
        .aggregate(all=Sum("amount"), milestones=Sum("amount", filter=Q(order__isnull=True)))
    )
    invoiced = quantize(sums["all"] or 0)
    milestones = invoiceable.contract_figures(
        amount=new_amount,
        signed=contract.signed_on is not None,
        terms=terms,
        milestones_invoiced=quantize(sums["milestones"] or 0),
        invoiced=invoiced,
    )
    missing = []
    on_orders = dict(
        invoiceable.live_invoices()
        .filter(contract=contract, order__isnull=False)
        .values_list("order_id")
        .annotate(total=Sum("amount"))
    )
    accepted = dict(
        DeliveryUnit.objects.filter(order_id__in=on_orders, state=UnitState.ACCEPTED)
        .values_list("order_id")
        .annotate(total=Sum("amount"))
    )
    for order in Order.objects.filter(pk__in=on_orders).order_by("number", "pk"):
        figures = invoiceable.order_figures(
            amount=order.amount,
            accepted=quantize(accepted.get(order.pk, 0)),
            invoiced=quantize(on_orders[order.pk]),
            contract_amount=new_amount,
            contract_invoiced=invoiced,
            terms=terms,
        )
        if figures.invoiced > figures.due:
            missing.append(
                Missing(
                    f"order_invoices_{order.pk}",
                    _(
                        "PO %(number)s: its invoices (%(invoiced)s) stay within %(percent)s%% on "
                        "acceptance of %(accepted)s accepted under the new terms (%(due)s)"
                    )
                    % {
                        "number": order.number,
                        "invoiced": invoiceable.money(figures.invoiced),
                        "percent": invoiceable.percent(figures.acceptance_percent),
                        "accepted": invoiceable.money(figures.accepted),
                        "due": invoiceable.money(figures.due),
                    },
                )
            )
    if milestones.milestones_invoiced > milestones.triggered:
        missing.append(
            Missing(
                "milestone_invoices",
                _(
                    "The invoices against the contract (%(invoiced)s) stay within the milestones "
                    "the new terms make due now (%(triggered)s)"
                )
                % {
                    "invoiced": invoiceable.money(milestones.milestones_invoiced),
                    "triggered": invoiceable.money(milestones.triggered),
                },
            )
        )
    if invoiced > new_amount:
        missing.append(
            Missing(
                "invoices_exceed_amount",
                _("The contract's invoices (%(invoiced)s) fit in the new amount (%(amount)s)")
                % {
                    "invoiced": invoiceable.money(invoiced),
                    "amount": invoiceable.money(new_amount),
                },
            )
        )
    return missing


def register_contract_checks() -> None:
    contract_services.register_close_check(orders_invoiced_and_paid)
    contract_services.register_close_check(contract_invoiced_in_full)
    contract_services.register_amount_check(invoices_fit_terms)
    delivery_services.register_correction_check(invoices_stay_covered)
