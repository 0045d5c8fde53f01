"""The finance pages: the invoiceable work queue, invoices, payments with their allocations and
the receivables. Same services and scoping as the API; views only translate errors into form
errors or flash messages listing every missing item."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Contract, PaymentTerm
from delivery.models import Order
from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError, InvalidInput
from ltc.core.numbers import whole_number
from ltc.core.pages import keyset_page, offset_page
from ltc.core.views import add_form_error, run_post
from ltc.customers.models import Customer

from . import invoiceable, rules, selectors, services
from .filters import InvoiceFilter, PaymentFilter
from .forms import AllocationFormSet, InvoiceForm, IssueForm, PaymentForm, ReasonForm
from .models import OPEN_STATES, Allocation, BillingPolicy, Invoice, Payment

PAGE_SIZE = 50
OVERDUE_ROWS = 50

_action = partial(run_post, back_on_invalid=True)


def _invoice_url(pk: int) -> str:
    return reverse("billing:invoice_detail", args=[pk])


def _payment_url(pk: int) -> str:
    return reverse("billing:payment_detail", args=[pk])


def _int(value) -> int | None:
    return whole_number(value if isinstance(value, str) else str(value or ""))


# The invoiceable work queue ----------------------------------------------------------------------
@login_required
def queue(request):
    """Every order and contract of the user's scope with what may be invoiced now, and for the
    rest why not (which milestone each amount belongs to: not accepted yet, the advance and the
    dated milestones invoiced against the contract, already invoiced)."""
    user = request.user
    today = timezone.localdate()
    order_page = keyset_page(request, invoiceable.queue_orders(user), size=PAGE_SIZE)
    order_page.object_list = invoiceable.with_figures(order_page.object_list)
    for order in order_page.object_list:  # its Invoice button: the rule create_invoice asks
        order.actions = rules.order_billing_actions(user, order)
    contracts = invoiceable.queue_contracts(user).order_by("-signed_on", "-id")
    contract_page = keyset_page(
        request, contracts, size=PAGE_SIZE, param="ccursor", anchor="#contracts"
    )
    for contract in contract_page.object_list:
        contract.figures = invoiceable.figures_of_contract(contract, today)
    return render(
        request,
        "billing/queue.html",
        {
            "order_page": order_page,
            "contract_page": contract_page,
            "may_bill": bool(rules.billing_actions(user)["invoice"]),
            "title": _("Invoiceable work"),
        },
    )


# Invoices ----------------------------------------------------------------------------------------
def _invoice_list_qs(user):
    return (
        Invoice.objects.visible_to(user)
        .select_related("customer", "contract", "order")
        .annotate(outstanding_amount=selectors.OUTSTANDING)
        .order_by("-created_at", "-id")
    )


@login_required
def invoice_list(request):
    invoice_filter = InvoiceFilter(
        request.GET or None, queryset=_invoice_list_qs(request.user), request=request
    )
    for name in ("customer", "contract", "order"):
        del invoice_filter.form.fields[name]  # the search covers them; the API keeps the ids
    page = keyset_page(request, invoice_filter.qs, size=PAGE_SIZE)
    return render(
        request,
        "billing/invoice_list.html",
        {"filter": invoice_filter, "page": page, "title": _("Invoices")},
    )


def _target(request):
    """The order, or the contract (and milestone), an invoice is being made for."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    order_id, contract_id = _int(source.get("order")), _int(source.get("contract"))
    if order_id:
        order = get_object_or_404(
            Order.objects.visible_to(user).select_related("contract", "contract__customer"),
            pk=order_id,
        )
        return order, order.contract, None
    if contract_id:
        contract = get_object_or_404(
            Contract.objects.visible_to(user).select_related("customer"), pk=contract_id
        )
        term_id = _int(source.get("term"))
        term = get_object_or_404(PaymentTerm, contract=contract, pk=term_id) if term_id else None
        return None, contract, term
    return None, None, None


@login_required
def invoice_create(request):
    order, contract, term = _target(request)
    if contract is None:
        messages.info(request, _("Choose what to invoice in the work queue."))
        return redirect("billing:queue")
    if order is not None:
        figures = invoiceable.for_order(order, contract=contract)
        days = contract.terms.filter(trigger="acceptance").values_list("days_to_pay", flat=True)
    else:
        figures = invoiceable.for_contract(contract, term=term)
        days = [term.days_to_pay] if term is not None else []
    policy = BillingPolicy.current()
    form = InvoiceForm(
        request.POST if request.method == "POST" else None,
        initial={
            "amount": figures.invoiceable or None,
            "tax_rate": policy.default_tax_rate,
            "payment_days": next(iter(days), policy.payment_days),
        },
    )
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        description = (data["description"] or "").strip()
        try:
            invoice = services.create_invoice(
                by=request.user,
                order=order,
                contract=None if order is not None else contract,
                term=term,
                amount=data["amount"],
                tax_rate=data["tax_rate"],
                payment_days=data["payment_days"],
                lines=[{"description": description, "amount": data["amount"]}]
                if description
                else None,
                note=data["note"],
            )
        except DomainError as exc:
            if not add_form_error(exc, form):
                refusal = exc
        else:
            messages.success(request, _("Draft invoice created; issue it to number it."))
            return redirect(_invoice_url(invoice.pk))
    return render(
        request,
        "billing/invoice_form.html",
        {
            "form": form,
            "order": order,
            "contract": contract,
            "term": term,
            "figures": figures,
            "refusal": refusal,
            "refused_above": isinstance(refusal, services.AboveInvoiceable),
            "may_bill": bool(rules.billing_actions(request.user)["invoice"]),
            "title": _("New invoice"),
        },
    )


def _invoice(request, pk: int) -> Invoice:
    return get_object_or_404(Invoice.objects.visible_to(request.user), pk=pk)


@login_required
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(
        Invoice.objects.visible_to(request.user).select_related(
            "customer", "contract", "order", "term", "credit_note", "created_by"
        ),
        pk=pk,
    )
    allocations = invoice.allocations.select_related("payment", "released_by").order_by("id")
    # The buttons come from the one rule (rules.invoice_actions) the services ask.
    actions = rules.invoice_actions(request.user, invoice)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "allocations": allocations,
            "credit_note": getattr(invoice, "credit_note", None),
            "timeline": transitions_of(invoice).order_by("-at", "-id")[:100],
            "actions": actions,
            "may_bill": any(act.refused is None for act in actions.values()),
            "today": timezone.localdate(),
            "title": _("Invoice %(number)s") % {"number": invoice},
        },
    )


@login_required
@require_POST
def invoice_issue(request, pk: int):
    invoice = _invoice(request, pk)

    def run(data) -> str:
        issued = services.issue_invoice(invoice=invoice, by=request.user, on=data["on"] or None)
        return _("Invoice %(number)s issued, due on %(due)s.") % {
            "number": issued.number,
            "due": issued.due_date,
        }

    return _action(request, _invoice_url(pk), run, "", IssueForm(request.POST))


@login_required
@require_POST
def invoice_void(request, pk: int):
    invoice = _invoice(request, pk)

    def run(data) -> str:
        note = services.void_invoice(invoice=invoice, by=request.user, reason=data["reason"])
        return _("Invoice voided by credit note %(number)s.") % {"number": note.number}

    return _action(request, _invoice_url(pk), run, "", ReasonForm(request.POST))


@login_required
@require_POST
def invoice_cancel(request, pk: int):
    invoice = _invoice(request, pk)
    return _action(
        request,
        _invoice_url(pk),
        lambda d: services.cancel_draft(invoice=invoice, by=request.user, reason=d["reason"]),
        _("Draft cancelled: what it held may be invoiced again."),
        ReasonForm(request.POST),
    )


# Payments ----------------------------------------------------------------------------------------
@login_required
def payment_list(request):
    qs = (
        Payment.objects.visible_to(request.user)
        .select_related("customer")
        .order_by("-received_on", "-id")
    )
    payment_filter = PaymentFilter(request.GET or None, queryset=qs, request=request)
    del payment_filter.form.fields["customer"]
    page = keyset_page(request, payment_filter.qs, size=PAGE_SIZE)
    return render(
        request,
        "billing/payment_list.html",
        {
            "filter": payment_filter,
            "page": page,
            "may_bill": bool(rules.billing_actions(request.user)["record_payment"]),
            "title": _("Payments"),
        },
    )


def _open_invoices_of(user, customer_id: int, currency: str | None = None):
    """The customer's open invoices that ``user`` may see (the allocation rows offered)."""
    qs = (
        selectors.open_invoices(Invoice.objects.visible_to(user).filter(customer_id=customer_id))
        .select_related("contract", "order")
        .order_by("due_date", "id")
    )
    return qs.filter(currency=currency) if currency else qs


def _allocations_of(formset) -> list[dict]:
    return [
        {"invoice": row.cleaned_data["invoice"], "amount": row.cleaned_data["amount"]}
        for row in formset.forms
        if row.cleaned_data.get("amount")
    ]


def _rows(formset, invoices) -> list[tuple]:
    by_id = {invoice.pk: invoice for invoice in invoices}
    rows = []
    for row in formset.forms:
        invoice_id = _int(row["invoice"].value())
        if invoice_id in by_id:
            rows.append((by_id[invoice_id], row))
    return rows


@login_required
def payment_create(request):
    """Record a payment of one customer and allocate it to their open invoices at once; what is
    left stays as their unapplied credit."""
    user = request.user
    customers = Customer.objects.visible_to(user).filter(
        pk__in=Invoice.objects.filter(state__in=OPEN_STATES).values("customer_id")
    )
    source = request.POST if request.method == "POST" else request.GET
    customer = None
    if _int(source.get("customer")):
        customer = get_object_or_404(Customer.objects.visible_to(user), pk=_int(source["customer"]))
    invoices = list(_open_invoices_of(user, customer.pk)) if customer else []
    data = request.POST if request.method == "POST" else None
    form = PaymentForm(
        data,
        initial={
            "received_on": timezone.localdate(),
            "currency": invoices[0].currency if invoices else None,
        },
    )
    formset = AllocationFormSet(
        data, prefix="alloc", initial=[{"invoice": invoice.pk} for invoice in invoices]
    )
    refusal = None
    if data is not None and customer and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            payment = services.record_payment(
                by=user,
                customer=customer,
                amount=d["amount"],
                currency=d["currency"],
                received_on=d["received_on"],
                reference=d["reference"],
                note=d["note"],
                allocations=_allocations_of(formset),
            )
        except DomainError as exc:
            if not add_form_error(exc, form, {"date": "received_on"}):
                refusal = exc
        else:
            messages.success(
                request,
                _("Payment %(reference)s recorded; %(unapplied)s %(currency)s is unapplied credit.")
                % {
                    "reference": payment.reference,
                    "unapplied": payment.unapplied,
                    "currency": payment.currency,
                },
            )
            return redirect(_payment_url(payment.pk))
    customer_field = forms.Select(
        choices=[("", "—"), *customers.order_by("name").values_list("pk", "name")]
    ).render("customer", customer.pk if customer else "", attrs={"id": "id_customer"})
    return render(
        request,
        "billing/payment_form.html",
        {
            "form": form,
            "formset": formset,
            "rows": _rows(formset, invoices),
            "customer": customer,
            "customer_field": customer_field,
            "refusal": refusal,
            "may_bill": bool(rules.billing_actions(user)["record_payment"]),
            "title": _("Record a payment"),
        },
    )


@login_required
def payment_detail(request, pk: int):
    payment = get_object_or_404(
        Payment.objects.visible_to(request.user).select_related("customer", "created_by"), pk=pk
    )
    user = request.user
    allocations = list(
        Allocation.objects.filter(payment=payment).select_related(
            "invoice", "invoice__order", "created_by", "released_by"
        )
    )
    # The buttons come from the one rule (rules.payment_actions, allocation_actions).
    actions = rules.payment_actions(user, payment)
    for allocation in allocations:
        allocation.actions = rules.allocation_actions(user, allocation)
    invoices = (
        list(_open_invoices_of(user, payment.customer_id, payment.currency))
        if actions["allocate"]
        else []
    )
    formset = AllocationFormSet(
        prefix="alloc", initial=[{"invoice": invoice.pk} for invoice in invoices]
    )
    return render(
        request,
        "billing/payment_detail.html",
        {
            "payment": payment,
            "allocations": allocations,
            "formset": formset,
            "rows": _rows(formset, invoices),
            "actions": actions,
            "may_bill": actions["allocate"].refused is None,
            "title": _("Payment %(reference)s") % {"reference": payment.reference},
        },
    )


@login_required
@require_POST
def payment_allocate(request, pk: int):
    payment = get_object_or_404(Payment.objects.visible_to(request.user), pk=pk)
    formset = AllocationFormSet(request.POST, prefix="alloc")

    def run(_data):
        if not formset.is_valid():
            raise InvalidInput(_("Give each amount as a positive number."), "allocations")
        services.allocate_payment(
            payment=payment, by=request.user, allocations=_allocations_of(formset)
        )

    return _action(request, _payment_url(pk), run, _("Credit allocated."))


@login_required
@require_POST
def allocation_release(request, pk: int):
    allocation = get_object_or_404(
        Allocation.objects.visible_to(request.user).select_related("payment", "invoice"), pk=pk
    )
    return _action(
        request,
        _payment_url(allocation.payment_id),
        lambda d: services.release_allocation(
            allocation=allocation, by=request.user, reason=d["reason"]
        ),
        _("Allocation released: the invoice owes it again, the payment has it as credit."),
        ReasonForm(request.POST),
    )


# Receivables -------------------------------------------------------------------------------------
@login_required
def receivables(request):
    """Outstanding per customer in the aging buckets, DSO and order-to-cash days, the overdue
    invoices and the customers' unapplied credit; every figure computed by the database."""
    user = request.user
    invoices = Invoice.objects.visible_to(user)
    summary = selectors.receivables_summary(invoices)
    customers = offset_page(request, summary["customers"], size=PAGE_SIZE, anchor="#customers")
    overdue = selectors.overdue_invoices(invoices).select_related("customer", "contract")[
        :OVERDUE_ROWS
    ]
    credit = selectors.customer_credit(Payment.objects.visible_to(user))[:PAGE_SIZE]
    return render(
        request,
        "billing/receivables.html",
        {
            **summary,
            "customers": customers,
            "overdue": overdue,
            "credit": credit,
            "buckets": selectors.BUCKETS,
            "title": _("Receivables"),
        },
    )
