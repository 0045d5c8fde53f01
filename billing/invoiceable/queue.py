"""The work queue: the orders by what is invoiceable now (kept on the order from the one
definition), and the contracts with their advance and dated milestones."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet

from contracts.models import ACTIVE_STATES, Contract
from delivery.models import Order
from ltc.core.money import quantize

from .milestones import ContractFigures, _terms_with_invoiced, contract_figures
from .orders import figures_of_orders
from .terms import _sum, live_invoices, terms_of

# The columns the definition reads: only those, so that the migration that fills the column
# (billing 0004) still runs when later migrations add columns to orders or contracts.
STORE_FIELDS = ("id", "amount", "state", "invoiceable", "contract__id", "contract__amount")


# What is invoiceable on every order, kept on the order ---------------------------------------------
def store_invoiceable(*, order_ids=None, contract_ids=None) -> None:
    """Write ``Order.invoiceable`` of the orders ``order_ids`` and of every order of
    ``contract_ids`` from the one definition (``figures_of_orders``), in the caller's
    transaction: the orders are locked (in id order) before their figures are read, so a
    concurrent acceptance or invoice is either seen or waits. Called by acceptance (delivery's
    unit listener), by invoicing, cancelling and voiding (the whole contract: its room changed),
    by an order's move to invoiced or closed, and by a change of the contract's amount or terms."""
    wanted = Q(pk__in=list(order_ids or [])) | Q(contract_id__in=list(contract_ids or []))
    orders = list(
        Order.objects.filter(wanted)
        .select_for_update(of=("self",))
        .select_related("contract")
        .only(*STORE_FIELDS)
        .order_by("pk")
    )
    figures = figures_of_orders(orders)
    changed = []
    for order in orders:
        value = figures[order.pk].invoiceable
        if order.invoiceable != value:
            order.invoiceable = value
            changed.append(order)
    if changed:
        Order.objects.bulk_update(changed, ["invoiceable"])


def store_all(batch: int = 200) -> int:
    """``store_invoiceable`` of every order, a batch of contracts per transaction (after a bulk
    load that wrote the rows directly: the benchmark's data, the column's first migration).
    Returns the number of contracts."""
    contract_ids = list(
        Order.objects.order_by("contract_id").values_list("contract_id", flat=True).distinct()
    )
    for start in range(0, len(contract_ids), batch):
        with transaction.atomic():
            store_invoiceable(contract_ids=contract_ids[start : start + batch])
    return len(contract_ids)


# The work queue ---------------------------------------------------------------------------------
def queue_orders(user) -> QuerySet[Order]:
    """Every order under an active contract ``user`` may see, the most invoiceable now first,
    then the newest: the order of the ``order_invoiceable_queue`` index, so a page of the queue
    (``ltc.core.pages.keyset_page``) reads its rows from the top of that index."""
    return (
        Order.objects.visible_to(user)
        .filter(contract__state__in=ACTIVE_STATES)
        .select_related("contract", "contract__customer")
        .order_by("-invoiceable", "-order_date", "-id")
    )


def with_figures(orders) -> list[Order]:
    """``orders`` (a page of the queue) each with its ``figures`` and reasons (three grouped
    queries, whatever the page's length)."""
    orders = list(orders)
    figures = figures_of_orders(orders)
    for order in orders:
        order.figures = figures[order.pk]
    return orders


def top_orders(user, limit: int) -> list[Order]:
    """The ``limit`` orders of the user's queue with the most invoiceable now (more than
    nothing), each with its ``figures``."""
    return with_figures(queue_orders(user).filter(invoiceable__gt=0)[:limit])


def contracts_for_queue(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """``contracts`` annotated with ``milestones_invoiced`` and ``contract_invoiced``, their
    terms prefetched with what is invoiced naming each: what ``figures_of_contract`` needs."""
    return contracts.annotate(
        milestones_invoiced=_sum(
            live_invoices().filter(contract=OuterRef("pk"), order__isnull=True)
        ),
        contract_invoiced=_sum(live_invoices().filter(contract=OuterRef("pk"))),
    ).prefetch_related(_terms_with_invoiced())


def figures_of_contract(contract: Contract, today: date | None = None) -> ContractFigures:
    """``contract_figures`` of a contract of ``contracts_for_queue`` (no query)."""
    return contract_figures(
        amount=contract.amount,
        signed=contract.signed_on is not None,
        terms=terms_of(contract),
        milestones_invoiced=quantize(contract.milestones_invoiced),
        invoiced=quantize(contract.contract_invoiced),
        today=today,
    )


def queue_contracts(user) -> QuerySet[Contract]:
    """The work queue's contracts (for their advance and dated milestones)."""
    visible = Contract.objects.visible_to(user).filter(state__in=ACTIVE_STATES)
    return contracts_for_queue(visible).select_related("customer")
