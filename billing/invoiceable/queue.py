"""The work queue: the orders by what is invoiceable now (kept on the order from the one
definition), and the contracts with their advance and dated milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import ACTIVE_STATES, Contract, PaymentTerm, Trigger
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


# A due milestone's amount is its percent of the contract amount split to the cent: within a cent
# of amount × percent / 100. Two cents per milestone also cover SQLite's floating-point sums.
CENTS_PER_MILESTONE = Decimal("0.02")
_WIDE = DecimalField(max_digits=30, decimal_places=6)


def with_milestones_maybe_due(contracts: QuerySet[Contract], today: date) -> QuerySet[Contract]:
    """``contracts`` (of ``contracts_for_queue``) narrowed by the database to those on which
    something may be invoiceable against the contract now: something left to invoice on it, and
    its signing and dated milestones due ``today`` worth more than what is invoiced against the
    contract itself, counting each due milestone at its percent of the amount plus two cents.
    So it keeps every contract whose ``figures_of_contract(...).invoiceable`` is above nothing
    (tests/billing/test_queue_contracts.py holds the two together on random contracts) and a few
    whose split cents leave nothing: ``figures_of_contract`` decides, on these rows only."""
    due = PaymentTerm.objects.filter(contract=OuterRef("pk")).filter(
        Q(trigger=Trigger.SIGNING, contract__signed_on__isnull=False)
        | Q(trigger=Trigger.DATE, due_date__lte=today)
    )
    due = due.order_by().values("contract")
    nothing = Value(Decimal("0"), output_field=_WIDE)
    return (
        contracts.annotate(
            due_percent=Coalesce(
                Subquery(due.annotate(p=Sum("percent")).values("p")[:1], output_field=_WIDE),
                nothing,
            ),
            due_count=Coalesce(Subquery(due.annotate(n=Count("pk")).values("n")[:1]), 0),
        )
        .annotate(
            due_at_most=F("amount") * F("due_percent") / Value(Decimal("100"), output_field=_WIDE)
            + F("due_count") * Value(CENTS_PER_MILESTONE, output_field=_WIDE)
        )
        .filter(amount__gt=F("contract_invoiced"), due_at_most__gt=F("milestones_invoiced"))
    )


def contracts_invoiceable_now(user, limit: int, today: date | None = None) -> list[Contract]:
    """The first ``limit`` contracts (by number) of ``user``'s queue with something invoiceable
    against them now, each with its ``figures``: read from the database's narrowing
    (``with_milestones_maybe_due``) a slice at a time, and decided by ``figures_of_contract``."""
    today = today or timezone.localdate()
    candidates = with_milestones_maybe_due(queue_contracts(user), today).order_by("number", "id")
    chosen: list[Contract] = []
    # A slice twice as long each time: the rows the definition turns down (milestones invoiced
    # to the cent, which the two-cent margin keeps) cost a logarithmic number of reads.
    start, step = 0, limit + 10
    while len(chosen) < limit:
        rows = list(candidates[start : start + step])
        for contract in rows:
            contract.figures = figures_of_contract(contract, today)
            if contract.figures.invoiceable > 0 and len(chosen) < limit:
                chosen.append(contract)
        if len(rows) < step:
            break
        start, step = start + step, step * 2
    return chosen
