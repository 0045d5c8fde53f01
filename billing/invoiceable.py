"""What may be invoiced now, and why not the rest (开票额度): the one definition that the invoice
services, the 409, the invoice form, the work queue (page and API) and the checks billing
registers with delivery and contracts all use.

The rule follows the contract's payment terms (SPEC 5):
- an order: its accepted value × the share of the terms triggered on acceptance (the sum of the
  acceptance milestones' percents; rounded to the cent once per order), minus what live
  invoices (drafts included) hold on the order;
- a contract, for its milestones on signing (the advance) and on a date (retention, warranty):
  the milestones triggered now minus what is invoiced against the contract itself; an invoice
  naming one milestone also stays within that milestone's amount minus the invoices naming it;
- either within the contract's room (its amount minus everything live invoiced on it); never
  negative; and nothing more on a closed order (invoiced and paid).
With 30% at signing, 60% on acceptance and 10% on a date, a fully accepted order of 1,000,000 is
invoiceable at 600,000: the advance (300,000, invoiced against the contract on signing) covers
its 30%, the retention its last 100,000 on its date. Terms of 100% on acceptance invoice the
accepted value; terms without an acceptance milestone invoice nothing on the orders.

``order_figures`` and ``contract_figures`` compute the figures from plain numbers and the
contract's terms (no query), and word their reasons, in the language of the moment, when asked;
``for_order`` and ``for_contract`` read those numbers with a fixed number of aggregate queries. The work queue sorts every order by what is
invoiceable, so there the database computes that figure (``top_orders`` and ``QueuePage``, one
grouped statement); tests/billing/test_invoiceable_sql.py holds it to ``order_figures`` on random
data, and the rows' figures and reasons still come from ``order_figures``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import ACTIVE_STATES, Contract, PaymentTerm, Trigger
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.core.errors import Missing
from ltc.core.money import quantize

from .models import LIVE_STATES, Invoice
from .selectors import MONEY, ZERO

HUNDRED = Decimal("100")
NOTHING = Decimal("0.00")


def live_invoices() -> QuerySet[Invoice]:
    """Invoices that hold invoiceable amount: drafts and issued ones (paid or not)."""
    return Invoice.objects.filter(state__in=LIVE_STATES)


def money(value: Decimal) -> str:
    """An amount as finance reads it in either language: 1,000,000.00."""
    return f"{quantize(value):,.2f}"


def percent(value: Decimal) -> str:
    """A share without trailing zeros: 60, 33.33, 12.5."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def share_of(amount: Decimal, percent_value: Decimal) -> Decimal:
    """``amount`` × ``percent_value`` / 100, rounded to the cent (half up) once."""
    return quantize(amount * percent_value / HUNDRED)


# The contract's milestones as billing reads them -------------------------------------------------
@dataclass(frozen=True)
class Term:
    """A payment milestone: one of the contract's terms, or of a change not applied yet."""

    id: int | None
    label: str
    percent: Decimal
    trigger: str
    due_date: date | None
    amount: Decimal  # its share of the contract amount, split to the cent like amount_of
    invoiced: Decimal = NOTHING  # what live invoices naming it hold

    def is_triggered(self, signed: bool, today: date) -> bool:
        """Signing milestones once signed, dated ones once their date has come; acceptance
        milestones never (they are invoiced through the orders)."""
        if self.trigger == Trigger.SIGNING:
            return signed
        if self.trigger == Trigger.DATE:
            return self.due_date is not None and self.due_date <= today
        return False


def split(amount: Decimal, rows: Iterable[dict]) -> list[Term]:
    """Milestones (``id``, ``label``, ``percent``, ``trigger``, ``due_date``, ``invoiced`` when
    known, in their order) with their share of ``amount``, split to the cent as
    ``PaymentTerm.amount_of`` splits them: the rounded running total through a milestone minus
    the rounded running total before it, so they add up to ``amount``."""
    result, before = [], Decimal("0")
    for row in rows:
        share = Decimal(str(row["percent"]))
        result.append(
            Term(
                id=row.get("id"),
                label=row["label"],
                percent=share,
                trigger=row["trigger"],
                due_date=row.get("due_date"),
                amount=share_of(amount, before + share) - share_of(amount, before),
                invoiced=quantize(row.get("invoiced") or 0),
            )
        )
        before += share
    return result


TERM_FIELDS = ("id", "label", "percent", "trigger", "due_date")


def terms_of(contract: Contract) -> list[Term]:
    """The contract's terms (prefetched, or one query), with ``invoiced`` when the prefetch
    annotated it (``contracts_for_queue``, ``for_contract``)."""
    rows = [
        {**{name: getattr(t, name) for name in TERM_FIELDS}, "invoiced": getattr(t, "invoiced", 0)}
        for t in contract.terms.all()  # ordered by position, id
    ]
    return split(contract.amount, rows)


def proposed_terms(amount: Decimal, terms: Iterable[dict]) -> list[Term]:
    """The terms of a change request (``contracts.services.clean_terms`` rows) on ``amount``."""
    return split(amount, terms)


def acceptance_percent(terms: Iterable[Term]) -> Decimal:
    return sum((t.percent for t in terms if t.trigger == Trigger.ACCEPTANCE), Decimal("0"))


def _labels(terms: list[Term]) -> str:
    return " + ".join(t.label for t in terms)


def _room_reason(room: Decimal) -> Missing:
    return Missing(
        "contract_amount",
        _("All of the contract's invoices stay within its amount: %(room)s is left to invoice")
        % {"room": money(max(room, NOTHING))},
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


def for_order(
    order: Order,
    *,
    contract: Contract | None = None,
    exclude: int | None = None,
    accepted: Decimal | None = None,
) -> OrderFigures:
    """The figures of ``order`` now (three small queries), leaving out invoice ``exclude`` (the
    draft being issued) and, when given, with ``accepted`` as its accepted value (an acceptance
    correction asks what would be left)."""
    contract = contract or order.contract
    live = live_invoices().exclude(pk=exclude)
    sums = live.filter(contract_id=contract.pk).aggregate(
        all=Sum("amount"), order=Sum("amount", filter=Q(order_id=order.pk))
    )
    return order_figures(
        amount=order.amount,
        accepted=accepted_value(order) if accepted is None else accepted,
        invoiced=quantize(sums["order"] or 0),
        contract_amount=contract.amount,
        contract_invoiced=quantize(sums["all"] or 0),
        terms=terms_of(contract),
        closed=order.state == OrderState.CLOSED,
    )


# A contract's milestones -------------------------------------------------------------------------
@dataclass(frozen=True)
class Milestone:
    """One milestone of a contract: ``due_now``, and how it is invoiced (``reason``)."""

    term: Term
    due_now: bool

    @cached_property
    def reason(self) -> Missing:
        return _milestone_reason(self.term, self.due_now)


@dataclass(frozen=True)
class ContractFigures:
    """What may be invoiced against a contract now (its signing and dated milestones), for all
    of them or for one (``term``), and why (``reasons``, worded when first asked for)."""

    amount: Decimal
    triggered: Decimal  # the signing and dated milestones due now
    milestones_invoiced: Decimal  # what live invoices against the contract itself hold
    invoiced: Decimal  # everything live invoiced on the contract, orders included
    room: Decimal
    invoiceable: Decimal
    milestones: tuple[Milestone, ...]
    term: Term | None = None

    @cached_property
    def reasons(self) -> tuple[Missing, ...]:
        return tuple(_contract_reasons(self))


def contract_figures(
    *,
    amount: Decimal,
    signed: bool,
    terms: Iterable[Term],
    milestones_invoiced: Decimal,
    invoiced: Decimal,
    term_id: int | None = None,
    today: date | None = None,
) -> ContractFigures:
    """The rule for a contract's milestones, from its numbers and terms (no query)."""
    today = today or timezone.localdate()
    milestones = tuple(Milestone(t, t.is_triggered(signed, today)) for t in terms)
    triggered = sum((m.term.amount for m in milestones if m.due_now), NOTHING)
    room = amount - invoiced
    cap = min(triggered - milestones_invoiced, room)
    chosen = next((m for m in milestones if m.term.id == term_id), None)
    if chosen is not None:  # one milestone: within what is left of it, once it is due
        left = chosen.term.amount - chosen.term.invoiced
        cap = min(cap, left) if chosen.due_now else NOTHING
    return ContractFigures(
        amount=amount,
        triggered=triggered,
        milestones_invoiced=milestones_invoiced,
        invoiced=invoiced,
        room=room,
        invoiceable=max(NOTHING, cap),
        milestones=milestones,
        term=chosen.term if chosen else None,
    )


def _milestone_reason(term: Term, due_now: bool) -> Missing:
    values = {
        "label": term.label,
        "percent": percent(term.percent),
        "amount": money(term.amount),
        "invoiced": money(term.invoiced),
    }
    if term.trigger == Trigger.ACCEPTANCE:
        return Missing(
            "milestone_on_acceptance",
            _(
                "%(label)s %(percent)s%% (%(amount)s) is invoiced through the orders, "
                "%(percent)s%% of each order's accepted value"
            )
            % values,
        )
    if due_now:
        return Missing(
            "milestone_due",
            _("%(label)s %(amount)s is due now; %(invoiced)s invoiced naming it") % values,
        )
    if term.trigger == Trigger.DATE:
        values["date"] = term.due_date.isoformat() if term.due_date else "—"
        return Missing(
            "milestone_date", _("%(label)s %(amount)s due %(date)s, against the contract") % values
        )
    return Missing(
        "contract_signed",
        _("%(label)s %(amount)s falls due when the contract is signed") % values,
    )


def _contract_reasons(figures: ContractFigures):
    """What is due against the contract now, which milestones are not, and why."""
    due = [m.term for m in figures.milestones if m.due_now]
    yield Missing(
        "milestones",
        _(
            "Milestones due now against the contract (%(labels)s): %(triggered)s; "
            "%(invoiced)s invoiced against the contract"
        )
        % {
            "labels": _labels(due) or "—",
            "triggered": money(figures.triggered),
            "invoiced": money(figures.milestones_invoiced),
        },
    )
    chosen = figures.term
    if chosen is not None and chosen in due:
        yield Missing(
            "milestone_amount",
            _("%(label)s %(amount)s: %(invoiced)s invoiced naming it, %(left)s left")
            % {
                "label": chosen.label,
                "amount": money(chosen.amount),
                "invoiced": money(chosen.invoiced),
                "left": money(max(chosen.amount - chosen.invoiced, NOTHING)),
            },
        )
    yield from (m.reason for m in figures.milestones if not m.due_now)
    if figures.room < figures.triggered - figures.milestones_invoiced:
        yield _room_reason(figures.room)


def _terms_with_invoiced(exclude: int | None = None):
    on_term = live_invoices().filter(term=OuterRef("pk")).exclude(pk=exclude)
    return Prefetch(
        "terms",
        queryset=PaymentTerm.objects.annotate(invoiced=_sum(on_term)).order_by("position", "id"),
    )


def for_contract(
    contract: Contract,
    today: date | None = None,
    *,
    term: PaymentTerm | None = None,
    exclude: int | None = None,
) -> ContractFigures:
    """The figures of ``contract``'s milestones now (two queries), for milestone ``term`` when
    given, leaving out invoice ``exclude``."""
    sums = (
        live_invoices()
        .filter(contract_id=contract.pk)
        .exclude(pk=exclude)
        .aggregate(all=Sum("amount"), milestones=Sum("amount", filter=Q(order__isnull=True)))
    )
    # read again, with what is invoiced naming each milestone (without ``exclude``)
    getattr(contract, "_prefetched_objects_cache", {}).pop("terms", None)
    prefetch_related_objects([contract], _terms_with_invoiced(exclude))
    return contract_figures(
        amount=contract.amount,
        signed=contract.signed_on is not None,
        terms=terms_of(contract),
        milestones_invoiced=quantize(sums["milestones"] or 0),
        invoiced=quantize(sums["all"] or 0),
        term_id=term.pk if term is not None else None,
        today=today,
    )


# The work queue: what is invoiceable on every order, computed by the database -------------------
def _sum(queryset, field_name: str = "amount"):
    """A correlated subquery summing ``field_name`` of ``queryset`` (filtered on OuterRef)."""
    summed = queryset.order_by().values(dummy=Value(1)).annotate(total=Sum(field_name))
    return Coalesce(Subquery(summed.values("total"), output_field=MONEY), ZERO, output_field=MONEY)


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
