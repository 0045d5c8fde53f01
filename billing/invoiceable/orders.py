"""What is invoiceable on an order (its accepted work at the acceptance share), and why not
the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Sum
from django.utils.translation import gettext as _

from contracts.models import Contract, Trigger
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.core.errors import Missing
from ltc.core.money import quantize

from .terms import (
    NOTHING,
    Term,
    _labels,
    _room_reason,
    acceptance_percent,
    live_invoices,
    money,
    percent,
    share_of,
    terms_of_contracts,
)


# An order ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderFigures:
    """What may be invoiced on an order now, and why (``reasons``, in finance's words, worded
    when first asked for: the queue sorts many figures and words only those it shows)."""

    amount: Decimal  # the order's amount
    accepted: Decimal  # the value of its accepted units
    acceptance_percent: Decimal  # the share of the terms triggered on acceptance (60.00)
    due: Decimal  # accepted × that share, rounded once: what acceptance has made due
    invoiced: Decimal  # what live invoices hold on the order
    room: Decimal  # the contract's amount minus everything live invoiced on it
    invoiceable: Decimal
    terms: tuple[Term, ...] = ()
    closed: bool = False  # invoiced and paid: not invoiced again

    @property
    def not_accepted(self) -> Decimal:
        return self.amount - self.accepted

    @cached_property
    def reasons(self) -> tuple[Missing, ...]:
        return tuple(_order_reasons(self))


def order_figures(
    *,
    amount: Decimal,
    accepted: Decimal,
    invoiced: Decimal,
    contract_amount: Decimal,
    contract_invoiced: Decimal,
    terms: Iterable[Term],
    closed: bool = False,
) -> OrderFigures:
    """The rule for an order, from its numbers and its contract's terms (no query)."""
    terms = tuple(terms)
    share = acceptance_percent(terms)
    due = share_of(accepted, share)
    room = contract_amount - contract_invoiced
    return OrderFigures(
        amount=amount,
        accepted=accepted,
        acceptance_percent=share,
        due=due,
        invoiced=invoiced,
        room=room,
        invoiceable=NOTHING if closed else max(NOTHING, min(due - invoiced, room)),
        terms=terms,
        closed=closed,
    )


def _order_reasons(figures: OrderFigures):
    """Which milestone each amount of the order belongs to, and why the rest is not
    invoiceable now."""
    # Over 60 lines on purpose: each milestone's amount and the reason for the rest, worded together
    # so they cannot disagree.
    if figures.closed:
        yield Missing("order_closed", _("The order is closed: it is invoiced and paid"))
    on_acceptance = [t for t in figures.terms if t.trigger == Trigger.ACCEPTANCE]
    if not on_acceptance:
        yield Missing(
            "no_acceptance_milestone",
            _(
                "The payment terms have no milestone on acceptance: nothing is invoiced on the "
                "orders, every milestone is invoiced against the contract"
            ),
        )
    else:
        yield Missing(
            "accepted_value",
            _(
                "%(label)s: %(percent)s%% on acceptance of %(accepted)s accepted: %(due)s; "
                "%(invoiced)s invoiced"
            )
            % {
                "label": _labels(on_acceptance),
                "percent": percent(figures.acceptance_percent),
                "accepted": money(figures.accepted),
                "due": money(figures.due),
                "invoiced": money(figures.invoiced),
            },
        )
        if figures.not_accepted > 0:
            yield Missing(
                "not_accepted",
                _("%(amount)s of the order is not accepted yet (%(percent)s%% of it on acceptance)")
                % {
                    "amount": money(figures.not_accepted),
                    "percent": percent(figures.acceptance_percent),
                },
            )
    for term in figures.terms:
        values = {
            "label": term.label,
            "percent": percent(term.percent),
            "amount": money(share_of(figures.amount, term.percent)),
        }
        if term.trigger == Trigger.SIGNING:
            yield Missing(
                "advance",
                _(
                    "%(label)s %(percent)s%% (%(amount)s of this order) is invoiced against the contract"
                )
                % values,
            )
        elif term.trigger == Trigger.DATE:
            values["date"] = term.due_date.isoformat() if term.due_date else "—"
            yield Missing(
                "milestone_date",
                _(
                    "%(label)s %(percent)s%% (%(amount)s of this order) is invoiced against the "
                    "contract, due %(date)s"
                )
                % values,
            )
    if figures.room < figures.due - figures.invoiced:
        yield _room_reason(figures.room)


def _total(queryset, field_name: str = "amount") -> Decimal:
    return quantize(queryset.aggregate(total=Sum(field_name))["total"] or 0)


def accepted_value(order: Order) -> Decimal:
    """The value of the order's accepted delivery units."""
    return _total(order.units.filter(state=UnitState.ACCEPTED))


def figures_of_orders(
    orders: Iterable[Order],
    *,
    exclude: int | None = None,
    accepted: dict[int, Decimal] | None = None,
) -> dict[int, OrderFigures]:
    """The one reader of the invoiceable rule: the figures (accepted, invoiced, invoiceable and
    their reasons) of each of ``orders`` (with their ``contract``), by order id, from three
    grouped queries whatever their number: the accepted units per order, the live invoices per
    contract and order (leaving out invoice ``exclude``, the draft being issued), the terms per
    contract. ``accepted`` replaces an order's accepted value (a correction asks what would be
    left). The invoice services, the 409, the form, the work queue and ``Order.invoiceable``
    all come from here."""
    orders = list(orders)
    if not orders:
        return {}
    order_ids = [o.pk for o in orders]
    contract_ids = {o.contract_id for o in orders}
    accepted_of = {
        row["order_id"]: row["total"]
        for row in DeliveryUnit.objects.filter(order_id__in=order_ids, state=UnitState.ACCEPTED)
        .order_by()
        .values("order_id")
        .annotate(total=Sum("amount"))
    }
    on_order: dict[int, Decimal] = {}
    on_contract: dict[int, Decimal] = {}
    for row in (
        live_invoices()
        .exclude(pk=exclude)
        .filter(contract_id__in=contract_ids)
        .order_by()
        .values("contract_id", "order_id")
        .annotate(total=Sum("amount"))
    ):
        total = quantize(row["total"] or 0)
        on_contract[row["contract_id"]] = on_contract.get(row["contract_id"], NOTHING) + total
        if row["order_id"] is not None:
            on_order[row["order_id"]] = total
    terms = terms_of_contracts({o.contract for o in orders})
    accepted = accepted or {}
    return {
        order.pk: order_figures(
            amount=order.amount,
            accepted=accepted[order.pk]
            if order.pk in accepted
            else quantize(accepted_of.get(order.pk) or 0),
            invoiced=on_order.get(order.pk, NOTHING),
            contract_amount=order.contract.amount,
            contract_invoiced=on_contract.get(order.contract_id, NOTHING),
            terms=terms[order.contract_id],
            closed=order.state == OrderState.CLOSED,
        )
        for order in orders
    }


def for_order(
    order: Order,
    *,
    contract: Contract | None = None,
    exclude: int | None = None,
    accepted: Decimal | None = None,
) -> OrderFigures:
    """The figures of ``order`` now (``figures_of_orders`` of one order), leaving out invoice
    ``exclude`` and, when given, with ``accepted`` as its accepted value."""
    if contract is not None:
        order.contract = contract
    return figures_of_orders(
        [order], exclude=exclude, accepted=None if accepted is None else {order.pk: accepted}
    )[order.pk]
