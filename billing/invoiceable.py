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
  negative.
With 30% at signing, 60% on acceptance and 10% on a date, a fully accepted order of 1,000,000 is
invoiceable at 600,000: the advance (300,000, invoiced against the contract on signing) covers
its 30%, the retention its last 100,000 on its date. Terms of 100% on acceptance invoice the
accepted value; terms without an acceptance milestone invoice nothing on the orders.

``order_figures`` and ``contract_figures`` compute the figures and their reasons from plain
numbers and the contract's terms (no query); ``for_order`` and ``for_contract`` read those
numbers with a fixed number of aggregate queries. The work queue sorts every order by what is
invoiceable: ``annotate_orders`` (the ORM) and ``top_order_ids`` (one grouped statement) compute
that figure in SQL, and tests/billing/test_invoiceable_sql.py holds both to ``order_figures`` on
random data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest, Least, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import ACTIVE_STATES, Contract, PaymentTerm, Trigger
from delivery.models import DeliveryUnit, Order, UnitState
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


def terms_of(contract: Contract) -> list[Term]:
    """The contract's terms (prefetched, or one query), with ``invoiced`` when the prefetch
    annotated it (``contracts_for_queue``, ``for_contract``)."""
    if "terms" not in getattr(contract, "_prefetched_objects_cache", {}):
        prefetch_related_objects([contract], "terms")  # amount_of reads them all: read once
    return [
        Term(
            id=row.pk,
            label=row.label,
            percent=row.percent,
            trigger=row.trigger,
            due_date=row.due_date,
            amount=row.amount_of(contract.amount),
            invoiced=quantize(getattr(row, "invoiced", None) or 0),
        )
        for row in contract.terms.all()
    ]


def proposed_terms(amount: Decimal, terms: Iterable[dict]) -> list[Term]:
    """Terms of a change request (``contracts.services.clean_terms`` rows, in their order) on
    ``amount``, split to the cent as ``PaymentTerm.amount_of`` splits saved ones: the rounded
    running total through a milestone minus the rounded running total before it."""
    result, before = [], Decimal("0")
    for row in terms:
        through = before + Decimal(str(row["percent"]))
        result.append(
            Term(
                id=None,
                label=row["label"],
                percent=Decimal(str(row["percent"])),
                trigger=row["trigger"],
                due_date=row.get("due_date"),
                amount=share_of(amount, through) - share_of(amount, before),
            )
        )
        before = through
    return result


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
    """What may be invoiced on an order now, and why (``reasons``, in finance's words)."""

    amount: Decimal  # the order's amount
    accepted: Decimal  # the value of its accepted units
    acceptance_percent: Decimal  # the share of the terms triggered on acceptance (60.00)
    due: Decimal  # accepted × that share, rounded once: what acceptance has made due
    invoiced: Decimal  # what live invoices hold on the order
    room: Decimal  # the contract's amount minus everything live invoiced on it
    invoiceable: Decimal
    reasons: tuple[Missing, ...] = field(default=())

    @property
    def not_accepted(self) -> Decimal:
        return self.amount - self.accepted


def order_figures(
    *,
    amount: Decimal,
    accepted: Decimal,
    invoiced: Decimal,
    contract_amount: Decimal,
    contract_invoiced: Decimal,
    terms: list[Term],
) -> OrderFigures:
    """The rule for an order, from its numbers and its contract's terms (no query)."""
    on_acceptance = [t for t in terms if t.trigger == Trigger.ACCEPTANCE]
    share = acceptance_percent(terms)
    due = share_of(accepted, share)
    room = contract_amount - contract_invoiced
    invoiceable = max(NOTHING, min(due - invoiced, room))
    reasons = []
    if not on_acceptance:
        reasons.append(
            Missing(
                "no_acceptance_milestone",
                str(  # in the language of now, like the other reasons
                    _(
                        "The payment terms have no milestone on acceptance: nothing is invoiced "
                        "on the orders, every milestone is invoiced against the contract"
                    )
                ),
            )
        )
    else:
        reasons.append(
            Missing(
                "accepted_value",
                _(
                    "%(label)s: %(percent)s%% on acceptance of %(accepted)s accepted: %(due)s; "
                    "%(invoiced)s invoiced"
                )
                % {
                    "label": _labels(on_acceptance),
                    "percent": percent(share),
                    "accepted": money(accepted),
                    "due": money(due),
                    "invoiced": money(invoiced),
                },
            )
        )
        if amount > accepted:
            reasons.append(
                Missing(
                    "not_accepted",
                    _(
                        "%(amount)s of the order is not accepted yet (%(percent)s%% of it on acceptance)"
                    )
                    % {"amount": money(amount - accepted), "percent": percent(share)},
                )
            )
    for term in terms:
        if term.trigger == Trigger.SIGNING:
            reasons.append(
                Missing(
                    "advance",
                    _(
                        "%(label)s %(percent)s%% (%(amount)s of this order) is invoiced against the contract"
                    )
                    % {
                        "label": term.label,
                        "percent": percent(term.percent),
                        "amount": money(share_of(amount, term.percent)),
                    },
                )
            )
        elif term.trigger == Trigger.DATE:
            reasons.append(
                Missing(
                    "milestone_date",
                    _(
                        "%(label)s %(percent)s%% (%(amount)s of this order) is invoiced against "
                        "the contract, due %(date)s"
                    )
                    % {
                        "label": term.label,
                        "percent": percent(term.percent),
                        "amount": money(share_of(amount, term.percent)),
                        "date": term.due_date.isoformat() if term.due_date else "—",
                    },
                )
            )
    if room < due - invoiced:
        reasons.append(_room_reason(room))
    return OrderFigures(
        amount=amount,
        accepted=accepted,
        acceptance_percent=share,
        due=due,
        invoiced=invoiced,
        room=room,
        invoiceable=invoiceable,
        reasons=tuple(reasons),
    )


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
    )


# A contract's milestones -------------------------------------------------------------------------
@dataclass(frozen=True)
class Milestone:
    """One milestone of a contract with how it is invoiced: ``due_now`` and ``reason``."""

    term: Term
    due_now: bool
    reason: Missing


@dataclass(frozen=True)
class ContractFigures:
    """What may be invoiced against a contract now (its signing and dated milestones), for all
    of them or for one (``term``), and why."""

    amount: Decimal
    triggered: Decimal  # the signing and dated milestones due now
    milestones_invoiced: Decimal  # what live invoices against the contract itself hold
    invoiced: Decimal  # everything live invoiced on the contract, orders included
    room: Decimal
    invoiceable: Decimal
    milestones: tuple[Milestone, ...]
    reasons: tuple[Missing, ...]
    term: Term | None = None


def _milestone(term: Term, due_now: bool) -> Milestone:
    values = {
        "label": term.label,
        "percent": percent(term.percent),
        "amount": money(term.amount),
        "invoiced": money(term.invoiced),
    }
    if term.trigger == Trigger.ACCEPTANCE:
        reason = Missing(
            "milestone_on_acceptance",
            _(
                "%(label)s %(percent)s%% (%(amount)s) is invoiced through the orders, "
                "%(percent)s%% of each order's accepted value"
            )
            % values,
        )
    elif due_now:
        reason = Missing(
            "milestone_due",
            _("%(label)s %(amount)s is due now; %(invoiced)s invoiced naming it") % values,
        )
    elif term.trigger == Trigger.DATE:
        values["date"] = term.due_date.isoformat() if term.due_date else "—"
        reason = Missing(
            "milestone_date", _("%(label)s %(amount)s due %(date)s, against the contract") % values
        )
    else:
        reason = Missing(
            "contract_signed",
            _("%(label)s %(amount)s falls due when the contract is signed") % values,
        )
    return Milestone(term=term, due_now=due_now, reason=reason)


def contract_figures(
    *,
    amount: Decimal,
    signed: bool,
    terms: list[Term],
    milestones_invoiced: Decimal,
    invoiced: Decimal,
    term_id: int | None = None,
    today: date | None = None,
) -> ContractFigures:
    """The rule for a contract's milestones, from its numbers and terms (no query)."""
    today = today or timezone.localdate()
    milestones = tuple(_milestone(t, t.is_triggered(signed, today)) for t in terms)
    triggered = sum((m.term.amount for m in milestones if m.due_now), NOTHING)
    room = amount - invoiced
    cap = min(triggered - milestones_invoiced, room)
    due_labels = [m.term for m in milestones if m.due_now]
    reasons = [
        Missing(
            "milestones",
            _(
                "Milestones due now against the contract (%(labels)s): %(triggered)s; "
                "%(invoiced)s invoiced against the contract"
            )
            % {
                "labels": _labels(due_labels) or "—",
                "triggered": money(triggered),
                "invoiced": money(milestones_invoiced),
            },
        )
    ]
    chosen = next((m for m in milestones if m.term.id == term_id), None)
    if chosen is not None:
        if not chosen.due_now:
            cap = NOTHING
        else:
            left = chosen.term.amount - chosen.term.invoiced
            reasons.append(
                Missing(
                    "milestone_amount",
                    _("%(label)s %(amount)s: %(invoiced)s invoiced naming it, %(left)s left")
                    % {
                        "label": chosen.term.label,
                        "amount": money(chosen.term.amount),
                        "invoiced": money(chosen.term.invoiced),
                        "left": money(max(left, NOTHING)),
                    },
                )
            )
            cap = min(cap, left)
    reasons.extend(m.reason for m in milestones if not m.due_now)
    if room < triggered - milestones_invoiced:
        reasons.append(_room_reason(room))
    return ContractFigures(
        amount=amount,
        triggered=triggered,
        milestones_invoiced=milestones_invoiced,
        invoiced=invoiced,
        room=room,
        invoiceable=max(NOTHING, cap),
        milestones=milestones,
        reasons=tuple(reasons),
        term=chosen.term if chosen else None,
    )


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


# The work queue: the same figure computed by the database ---------------------------------------
def _sum(queryset, field_name: str = "amount"):
    """A correlated subquery summing ``field_name`` of ``queryset`` (filtered on OuterRef)."""
    summed = queryset.order_by().values(dummy=Value(1)).annotate(total=Sum(field_name))
    return Coalesce(Subquery(summed.values("total"), output_field=MONEY), ZERO, output_field=MONEY)


def annotate_orders(orders: QuerySet[Order]) -> QuerySet[Order]:
    """``orders`` annotated with ``accepted_value``, ``not_accepted_value``,
    ``acceptance_percent``, ``acceptance_due``, ``invoiced_amount``, ``contract_invoiced``,
    ``contract_room`` and ``invoiceable``: ``order_figures`` computed by the database."""
    units = DeliveryUnit.objects.filter(order=OuterRef("pk"), state=UnitState.ACCEPTED)
    on_acceptance = PaymentTerm.objects.filter(
        contract=OuterRef("contract_id"), trigger=Trigger.ACCEPTANCE
    )
    return (
        orders.annotate(
            accepted_value=_sum(units),
            acceptance_percent=_sum(on_acceptance, "percent"),
            invoiced_amount=_sum(live_invoices().filter(order=OuterRef("pk"))),
            contract_invoiced=_sum(live_invoices().filter(contract=OuterRef("contract_id"))),
        )
        .annotate(
            not_accepted_value=ExpressionWrapper(F("amount") - F("accepted_value"), MONEY),
            acceptance_due=Round(
                ExpressionWrapper(
                    F("accepted_value") * F("acceptance_percent") / Value(HUNDRED), MONEY
                ),
                2,
                output_field=MONEY,
            ),
            contract_room=ExpressionWrapper(F("contract__amount") - F("contract_invoiced"), MONEY),
        )
        .annotate(
            invoiceable=Round(
                Greatest(
                    Least(
                        F("acceptance_due") - F("invoiced_amount"),
                        F("contract_room"),
                        output_field=MONEY,
                    ),
                    ZERO,
                    output_field=MONEY,
                ),
                2,
                output_field=MONEY,
            )
        )
    )


def figures_of_annotated(order: Order) -> OrderFigures:
    """``order_figures`` of an order of ``annotate_orders`` whose contract's terms are
    prefetched: the reasons for the queue's rows, without a query."""
    return order_figures(
        amount=order.amount,
        accepted=quantize(order.accepted_value),
        invoiced=quantize(order.invoiced_amount),
        contract_amount=order.contract.amount,
        contract_invoiced=quantize(order.contract_invoiced),
        terms=terms_of(order.contract),
    )


def queue_orders(user) -> QuerySet[Order]:
    """The work queue's orders: every order under an active contract the user may see."""
    visible = Order.objects.visible_to(user).filter(contract__state__in=ACTIVE_STATES)
    return annotate_orders(visible).select_related("contract", "contract__customer")


def top_order_ids(user, limit: int) -> list[int]:
    """The ids of the ``limit`` orders of ``queue_orders(user)`` with the most invoiceable
    (``invoiceable`` > 0, largest first, then by id). One statement that sums the accepted
    units, the live invoices and the acceptance milestones once per order and per contract
    (grouped, then joined), where the annotated queryset would run its correlated sums several
    times for every order; the caller then annotates only these orders."""
    visible, visible_params = (
        Order.objects.visible_to(user)
        .filter(contract__state__in=ACTIVE_STATES)
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    vendor, q = connection.vendor, connection.ops.quote_name
    greatest, least = ("MAX", "MIN") if vendor == "sqlite" else ("GREATEST", "LEAST")
    live = ", ".join(["%s"] * len(LIVE_STATES))
    due = "ROUND(COALESCE(accepted.total, 0) * COALESCE(share.total, 0) / 100, 2)"
    invoiceable = (
        f"ROUND({greatest}({least}({due} - COALESCE(on_order.total, 0), "
        "c.amount - COALESCE(on_contract.total, 0)), 0), 2)"
    )
    sql = (
        f"SELECT id FROM (SELECT o.id AS id, {invoiceable} AS invoiceable "
        f"FROM {Order._meta.db_table} o "
        f"JOIN {Contract._meta.db_table} c ON c.id = o.contract_id "
        f"LEFT JOIN (SELECT order_id, SUM(amount) AS total FROM {DeliveryUnit._meta.db_table} "
        "WHERE state = %s GROUP BY order_id) accepted ON accepted.order_id = o.id "
        f"LEFT JOIN (SELECT contract_id, SUM({q('percent')}) AS total "
        f"FROM {PaymentTerm._meta.db_table} WHERE {q('trigger')} = %s GROUP BY contract_id) share "
        "ON share.contract_id = o.contract_id "
        f"LEFT JOIN (SELECT order_id, SUM(amount) AS total FROM {Invoice._meta.db_table} "
        f"WHERE state IN ({live}) AND order_id IS NOT NULL GROUP BY order_id) on_order "
        "ON on_order.order_id = o.id "
        f"LEFT JOIN (SELECT contract_id, SUM(amount) AS total FROM {Invoice._meta.db_table} "
        f"WHERE state IN ({live}) GROUP BY contract_id) on_contract "
        "ON on_contract.contract_id = o.contract_id "
        f"WHERE o.id IN ({visible})) queue "
        "WHERE invoiceable > 0 ORDER BY invoiceable DESC, id LIMIT %s"
    )
    params = [
        UnitState.ACCEPTED,
        Trigger.ACCEPTANCE,
        *LIVE_STATES,
        *LIVE_STATES,
        *visible_params,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


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
