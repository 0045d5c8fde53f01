"""Who may do what with invoices, payments and their allocations: the one rule each, asked by the
services (``require``), the billing pages' buttons, the API's 403/409 and the finance workbench's
"invoiceable now" (``orders_invoiceable_by``, the queryset form of ``order_billing_actions``,
tests/billing/test_billing_actions.py holds the two together on random data).

The money rules (an invoice never above what is invoiceable, an allocation never above what is
outstanding or unapplied) are computed by the services under lock and are the authority; an
action reports them only where they are a stored figure (an order's ``invoiceable``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from contracts.models import ACTIVE_STATES, Contract
from delivery.models import Order, OrderState
from ltc.core.actions import Action, action
from ltc.core.errors import Missing
from ltc.core.fsm import unmet

from .models import Allocation, Invoice, InvoiceState, Payment
from .querysets import sees_all_billing

BILLER_REFUSED = _("Only finance (or an admin, or the ERP) invoices and records payments.")
INVOICEABLE = "invoiceable"


# Who may do what ----------------------------------------------------------------------------
def may_bill(user) -> bool:
    """Finance, admins and integrations (the ERP) invoice and record payments."""
    return sees_all_billing(user)


def _act(user, name: str, missing=(), detail="") -> Action:
    return action(name, may_bill(user), BILLER_REFUSED, missing, detail)


def billing_actions(user) -> dict[str, Action]:
    """What ``user`` may start in billing: invoice (an order or a contract's milestone) and
    record a payment."""
    return {"invoice": _act(user, "invoice"), "record_payment": _act(user, "record_payment")}


def contract_active(contract: Contract) -> list[Missing]:
    if contract.state in ACTIVE_STATES:
        return []
    return [Missing("contract_active", _("The contract is signed or executing"))]


def order_open(order: Order | None, label=None) -> list[Missing]:
    if order is None or order.state != OrderState.CLOSED:
        return []
    return [Missing("order_open", label or _("The order is not closed"))]


def order_billing_actions(user, order: Order, contract: Contract | None = None) -> dict:
    """What ``user`` may do in billing with ``order``: invoice it, while its contract is signed
    or executing, the order is not closed and something is invoiceable on it now (its stored
    ``invoiceable``; ``create_invoice`` computes it again under lock, and says why not)."""
    contract = contract or order.contract
    missing = contract_active(contract) + order_open(order)
    if order.invoiceable <= 0:
        missing.append(Missing(INVOICEABLE, _("Something is invoiceable on the order now")))
    return {"invoice": _act(user, "invoice", missing, _("The order cannot be invoiced."))}


def orders_invoiceable_by(user, orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """The orders ``user`` may invoice now: the queryset form of ``order_billing_actions``'
    invoice."""
    orders = Order.objects.all() if orders is None else orders
    if not may_bill(user):
        return orders.none()
    return orders.filter(contract__state__in=ACTIVE_STATES, invoiceable__gt=0).exclude(
        state=OrderState.CLOSED
    )


def invoice_actions(user, invoice: Invoice) -> dict[str, Action]:
    """What ``user`` may do with the invoice: issue a draft (its contract signed or executing),
    cancel a draft, void an issued invoice (no payment allocated to it, its order not closed).
    Finance, admins and the ERP do all three."""
    allocated = []
    if invoice.state != InvoiceState.DRAFT and invoice.allocations.live().exists():
        allocated.append(
            Missing(
                "allocations_released",
                _("The payments allocated to it are released (%(paid)s is allocated)")
                % {"paid": invoice.paid_amount},
            )
        )
    order = invoice.order if invoice.order_id else None
    return {
        "issue": _act(
            user,
            "issue",
            unmet(invoice, "issue") + contract_active(invoice.contract),
            _("The invoice cannot be issued."),
        ),
        "cancel": _act(
            user, "cancel", unmet(invoice, "cancel"), _("Only a draft can be cancelled.")
        ),
        "void": _act(
            user,
            "void",
            unmet(invoice, "void") + allocated + order_open(order),
            _("The invoice cannot be voided."),
        ),
    }


def payment_actions(user, payment: Payment) -> dict[str, Action]:
    """What ``user`` may do with the payment: allocate its unapplied credit (finance, admins,
    the ERP; while some is left: ``allocate_payment`` checks every amount under lock)."""
    left = (
        []
        if payment.unapplied > 0
        else [
            Missing(
                "unapplied",
                _("The payment has %(unapplied)s left to allocate")
                % {"unapplied": payment.unapplied},
            )
        ]
    )
    return {"allocate": _act(user, "allocate", left, _("The payment cannot be allocated so."))}


def allocation_actions(user, allocation: Allocation) -> dict[str, Action]:
    """What ``user`` may do with an allocation of a payment to an invoice: release it (finance,
    admins, the ERP), unless it is released already or the invoice's order is closed."""
    invoice = allocation.invoice
    released = (
        [] if allocation.is_live else [Missing("live", _("The allocation is not released already"))]
    )
    order = invoice.order if invoice.order_id else None
    return {
        "release": _act(
            user,
            "release",
            released + order_open(order, _("The invoice's order is not closed")),
            _("The allocation cannot be released."),
        )
    }
