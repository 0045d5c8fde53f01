"""The overdue alerts, and what the contracts and delivery apps ask of billing (registered in
``apps.ready``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import services as contract_services
from contracts.models import Contract, Trigger
from delivery import services as delivery_services
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.activity.services import notify_many
from ltc.core.errors import Missing
from ltc.core.money import quantize
from ltc.org.models import Role, User

from .. import invoiceable
from ..models import (
    OPEN_STATES,
    Invoice,
    InvoiceState,
)
from ._common import _invoice_url


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
    # Over 60 lines on purpose: one pass checks every input and gathers every error, so the refusal
    # names them all.
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
    # What is invoiceable on each order, kept on the order (billing.invoiceable.store_invoiceable).
    delivery_services.register_unit_listener(
        lambda order: invoiceable.store_invoiceable(order_ids=[order.pk])
    )
    contract_services.register_change_listener(
        lambda contract: invoiceable.store_invoiceable(contract_ids=[contract.pk])
    )
