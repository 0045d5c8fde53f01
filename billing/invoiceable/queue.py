"""The work queue: what is invoiceable on every order, computed by the database."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import (
    OuterRef,
    QuerySet,
)

from contracts.models import ACTIVE_STATES, Contract, PaymentTerm, Trigger
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.core.money import quantize

from ..models import LIVE_STATES, Invoice
from .milestones import ContractFigures, _terms_with_invoiced, contract_figures
from .orders import order_figures
from .terms import TERM_FIELDS, Term, _sum, live_invoices, split, terms_of

# The work queue: what is invoiceable on every order, computed by the database -------------------


# Most invoiceable first; then by id (the API's top rows) or the newest (the page).
_ORDERINGS = {
    "largest": "invoiceable DESC, id",
    "page": "invoiceable DESC, order_date DESC, id DESC",
}


def _queue_rows(user, *, ordering: str, limit: int, offset: int = 0, positive: bool) -> list:
    """``(id, accepted, invoiced on the order, invoiced on its contract)`` of the queue's orders
    (every order under an active contract ``user`` may see; with ``positive``, only those with
    something invoiceable), sorted by what is invoiceable as ``order_figures`` computes it. One
    statement that sums the accepted units, the acceptance milestones and the live invoices once
    per order and per contract (grouped, then joined), where correlated sums would run for every
    order; tests/billing/test_invoiceable_sql.py holds it to ``order_figures``."""
    # Over 60 lines on purpose: most of its length is one SQL statement (the database computes the
    # figure).
    visible, visible_params = (
        Order.objects.visible_to(user)
        .filter(contract__state__in=ACTIVE_STATES)
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    q = connection.ops.quote_name
    greatest, least = ("MAX", "MIN") if connection.vendor == "sqlite" else ("GREATEST", "LEAST")
    live = ", ".join(["%s"] * len(LIVE_STATES))
    if positive:
        # Something is invoiceable only on open orders with accepted units not all invoiced,
        # under terms with a milestone on acceptance: inner joins, and those filters before the
        # contract's sums, which most orders (invoiced in full, or closed) then never reach.
        join, accepted, share = "JOIN", "accepted.total", "share.total"
        worth_it = "AND o.state <> %s AND accepted.total > COALESCE(on_order.total, 0) "
    else:
        join, accepted, share = (
            "LEFT JOIN",
            "COALESCE(accepted.total, 0)",
            "COALESCE(share.total, 0)",
        )
        worth_it = ""
    due = f"ROUND({accepted} * {share} / 100, 2)"
    invoiceable = (
        f"CASE WHEN o.state = %s THEN 0 ELSE ROUND({greatest}({least}({due} - "
        "COALESCE(on_order.total, 0), c.amount - COALESCE(on_contract.total, 0)), 0), 2) END"
    )
    sql = (
        "SELECT id, accepted, invoiced, contract_invoiced FROM ("
        f"SELECT o.id AS id, o.order_date AS order_date, {accepted} AS accepted, "
        "COALESCE(on_order.total, 0) AS invoiced, "
        "COALESCE(on_contract.total, 0) AS contract_invoiced, "
        f"{invoiceable} AS invoiceable "
        f"FROM {Order._meta.db_table} o "
        f"{join} (SELECT order_id, SUM(amount) AS total FROM {DeliveryUnit._meta.db_table} "
        "WHERE state = %s GROUP BY order_id) accepted ON accepted.order_id = o.id "
        f"LEFT JOIN (SELECT order_id, SUM(amount) AS total FROM {Invoice._meta.db_table} "
        f"WHERE state IN ({live}) AND order_id IS NOT NULL GROUP BY order_id) on_order "
        "ON on_order.order_id = o.id "
        f"JOIN {Contract._meta.db_table} c ON c.id = o.contract_id "
        f"{join} (SELECT contract_id, SUM({q('percent')}) AS total "
        f"FROM {PaymentTerm._meta.db_table} WHERE {q('trigger')} = %s GROUP BY contract_id) share "
        "ON share.contract_id = o.contract_id "
        f"LEFT JOIN (SELECT contract_id, SUM(amount) AS total FROM {Invoice._meta.db_table} "
        f"WHERE state IN ({live}) GROUP BY contract_id) on_contract "
        "ON on_contract.contract_id = o.contract_id "
        f"WHERE o.id IN ({visible}) {worth_it}) queue "
        f"{'WHERE invoiceable > 0 ' if positive else ''}"
        f"ORDER BY {_ORDERINGS[ordering]} LIMIT %s OFFSET %s"
    )
    params = [OrderState.CLOSED, UnitState.ACCEPTED, *LIVE_STATES, Trigger.ACCEPTANCE]
    params += [*LIVE_STATES, *visible_params, *([OrderState.CLOSED] if positive else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return cursor.fetchall()


def _with_figures(rows: list) -> list[Order]:
    """The orders of ``_queue_rows`` in their order, each with its ``figures`` (two queries: the
    orders with their contract and customer, their contracts' terms)."""
    found = Order.objects.select_related("contract", "contract__customer").in_bulk(
        [row[0] for row in rows]
    )
    terms: dict[int, list[dict]] = {}
    for row in (
        PaymentTerm.objects.filter(contract_id__in={o.contract_id for o in found.values()})
        .order_by("contract_id", "position", "id")
        .values("contract_id", *TERM_FIELDS)
    ):
        terms.setdefault(row["contract_id"], []).append(row)
    split_terms: dict[int, list[Term]] = {}
    orders = []
    for pk, accepted, invoiced, contract_invoiced in rows:
        order = found[pk]
        contract = order.contract
        if contract.pk not in split_terms:
            split_terms[contract.pk] = split(contract.amount, terms.get(contract.pk, []))
        order.figures = order_figures(  # SQLite's sums are floats: quantised here, at the edge
            amount=order.amount,
            accepted=quantize(accepted),
            invoiced=quantize(invoiced),
            contract_amount=contract.amount,
            contract_invoiced=quantize(contract_invoiced),
            terms=split_terms[contract.pk],
            closed=order.state == OrderState.CLOSED,
        )
        orders.append(order)
    return orders


def top_orders(user, limit: int) -> list[Order]:
    """The ``limit`` orders of the user's queue with the most invoiceable now (more than
    nothing; largest first, then by id), each with its ``figures``."""
    return _with_figures(_queue_rows(user, ordering="largest", limit=limit, positive=True))


class QueuePage:
    """Every order of the user's queue, the most invoiceable first (then the newest), for
    Django's Paginator: ``count()`` counts the orders, a slice reads its orders with the grouped
    statement, each with its ``figures``."""

    def __init__(self, user):
        self.user = user

    def count(self) -> int:
        return Order.objects.visible_to(self.user).filter(contract__state__in=ACTIVE_STATES).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Order]:
        start, stop = index.start or 0, index.stop
        rows = _queue_rows(
            self.user, ordering="page", limit=stop - start, offset=start, positive=False
        )
        return _with_figures(rows)


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
