"""Read-side functions of billing: what may be invoiced now (and why not the rest), receivables,
aging, DSO and order-to-cash days.

Every function returns a queryset or the result of a fixed number of aggregate queries; none loops
over rows in Python. The receivables figures take an invoice queryset so the caller decides the
scope: ``Invoice.objects.visible_to(user)`` narrowed as it likes (a team, an owner, a customer).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from contracts.models import ACTIVE_STATES, Contract, PaymentTerm, Trigger
from delivery.models import DeliveryUnit, Order, UnitState
from ltc.core.money import quantize

from .models import ISSUED_STATES, LIVE_STATES, OPEN_STATES, Invoice, Payment

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)
DSO_DAYS = 90

# Aging buckets by days past due (today - due date): the edges are inclusive as written.
BUCKETS = ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90")


def _sum(queryset, field: str = "amount"):
    """A correlated subquery summing ``field`` of ``queryset`` (already filtered on OuterRef)."""
    summed = queryset.order_by().values(dummy=Value(1)).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(summed, output_field=MONEY), ZERO, output_field=MONEY)


def live_invoices() -> QuerySet[Invoice]:
    """Invoices that hold invoiceable amount: drafts and issued ones (paid or not)."""
    return Invoice.objects.filter(state__in=LIVE_STATES)


# What may be invoiced ----------------------------------------------------------------------------
def accepted_value(order: Order) -> Decimal:
    """The value of the order's accepted delivery units."""
    total = order.units.filter(state=UnitState.ACCEPTED).aggregate(total=Sum("amount"))["total"]
    return quantize(total or 0)


def invoiced_on_order(order: Order, *, exclude: int | None = None) -> Decimal:
    """What live invoices (drafts included) hold on the order."""
    qs = live_invoices().filter(order=order).exclude(pk=exclude)
    return quantize(qs.aggregate(total=Sum("amount"))["total"] or 0)


def invoiced_on_contract(
    contract: Contract, *, milestones_only: bool = False, exclude: int | None = None
) -> Decimal:
    """What live invoices hold on the contract: all of them, or its milestone invoices only."""
    qs = live_invoices().filter(contract=contract).exclude(pk=exclude)
    if milestones_only:
        qs = qs.filter(order__isnull=True)
    return quantize(qs.aggregate(total=Sum("amount"))["total"] or 0)


def milestone_is_triggered(term: PaymentTerm, contract: Contract, today: date) -> bool:
    """Signing milestones once the contract is signed, dated ones once the date has come;
    acceptance milestones never (they are invoiced through the orders)."""
    if term.trigger == Trigger.SIGNING:
        return contract.signed_on is not None
    if term.trigger == Trigger.DATE:
        return term.due_date is not None and term.due_date <= today
    return False


def triggered_milestones_value(contract: Contract, today: date | None = None) -> Decimal:
    """The sum of the contract's milestones whose trigger has happened (terms prefetched or one
    query; a contract has a handful)."""
    today = today or timezone.localdate()
    return sum(
        (
            term.amount_of(contract.amount)
            for term in contract.terms.all()
            if milestone_is_triggered(term, contract, today)
        ),
        Decimal("0.00"),
    )


def contract_room(contract: Contract, *, exclude: int | None = None) -> Decimal:
    """The contract's amount minus everything invoiced on it: the ceiling of any new invoice."""
    return contract.amount - invoiced_on_contract(contract, exclude=exclude)


def invoiceable_on_order(order: Order, *, exclude: int | None = None) -> Decimal:
    """Accepted value minus what is invoiced on the order, within the contract's room; never
    negative."""
    own = accepted_value(order) - invoiced_on_order(order, exclude=exclude)
    return max(Decimal("0.00"), min(own, contract_room(order.contract, exclude=exclude)))


def invoiceable_on_contract(
    contract: Contract, today: date | None = None, *, exclude: int | None = None
) -> Decimal:
    """Triggered milestones minus the contract's milestone invoices, within the contract's room;
    never negative."""
    own = triggered_milestones_value(contract, today) - invoiced_on_contract(
        contract, milestones_only=True, exclude=exclude
    )
    return max(Decimal("0.00"), min(own, contract_room(contract, exclude=exclude)))


def orders_with_invoiceable(orders: QuerySet[Order]) -> QuerySet[Order]:
    """``orders`` annotated with ``accepted_value``, ``not_accepted_value``, ``invoiced_amount``,
    ``contract_invoiced``, ``contract_room`` and ``invoiceable`` (the same rule as
    ``invoiceable_on_order``, computed by the database)."""
    units = DeliveryUnit.objects.filter(order=OuterRef("pk"), state=UnitState.ACCEPTED)
    on_order = live_invoices().filter(order=OuterRef("pk"))
    on_contract = live_invoices().filter(contract=OuterRef("contract_id"))
    return orders.annotate(
        accepted_value=_sum(units),
        invoiced_amount=_sum(on_order),
        contract_invoiced=_sum(on_contract),
    ).annotate(
        not_accepted_value=ExpressionWrapper(F("amount") - F("accepted_value"), MONEY),
        contract_room=ExpressionWrapper(F("contract__amount") - F("contract_invoiced"), MONEY),
        invoiceable=Greatest(
            Least(
                F("accepted_value") - F("invoiced_amount"),
                F("contract__amount") - F("contract_invoiced"),
                output_field=MONEY,
            ),
            ZERO,
            output_field=MONEY,
        ),
    )


def contracts_with_invoiced(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """``contracts`` annotated with ``milestones_invoiced`` and ``contract_invoiced``, their
    terms prefetched: what the milestone rows of the work queue need."""
    return contracts.annotate(
        milestones_invoiced=_sum(
            live_invoices().filter(contract=OuterRef("pk"), order__isnull=True)
        ),
        contract_invoiced=_sum(live_invoices().filter(contract=OuterRef("pk"))),
    ).prefetch_related("terms")


def invoiceable_orders(user) -> QuerySet[Order]:
    """The work queue's orders: every order under an active contract the user may see."""
    visible = Order.objects.visible_to(user).filter(contract__state__in=ACTIVE_STATES)
    return orders_with_invoiceable(visible).select_related("contract", "contract__customer")


def top_invoiceable_order_ids(user, limit: int) -> list[int]:
    """The ids of the ``limit`` orders of ``invoiceable_orders(user)`` with the most invoiceable
    (``invoiceable`` > 0, largest first, then by id), by the same rule as
    ``orders_with_invoiceable``. One statement that sums the accepted units and the live invoices
    once per order and per contract (grouped, then joined), where the annotated queryset would
    run its correlated sums several times for every order; the caller then annotates only these
    orders."""
    from django.db import connection

    visible, visible_params = (
        Order.objects.visible_to(user)
        .filter(contract__state__in=ACTIVE_STATES)
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    greatest, least = ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")
    live = ", ".join(["%s"] * len(LIVE_STATES))
    invoiceable = (
        f"{greatest}({least}(COALESCE(accepted.total, 0) - COALESCE(on_order.total, 0), "
        "c.amount - COALESCE(on_contract.total, 0)), 0)"
    )
    sql = (
        f"SELECT id FROM (SELECT o.id AS id, {invoiceable} AS invoiceable "
        f"FROM {Order._meta.db_table} o "
        f"JOIN {Contract._meta.db_table} c ON c.id = o.contract_id "
        f"LEFT JOIN (SELECT order_id, SUM(amount) AS total FROM {DeliveryUnit._meta.db_table} "
        "WHERE state = %s GROUP BY order_id) accepted ON accepted.order_id = o.id "
        f"LEFT JOIN (SELECT order_id, SUM(amount) AS total FROM {Invoice._meta.db_table} "
        f"WHERE state IN ({live}) AND order_id IS NOT NULL GROUP BY order_id) on_order "
        "ON on_order.order_id = o.id "
        f"LEFT JOIN (SELECT contract_id, SUM(amount) AS total FROM {Invoice._meta.db_table} "
        f"WHERE state IN ({live}) GROUP BY contract_id) on_contract "
        "ON on_contract.contract_id = o.contract_id "
        f"WHERE o.id IN ({visible})) queue "
        "WHERE invoiceable > 0 ORDER BY invoiceable DESC, id LIMIT %s"
    )
    params = [UnitState.ACCEPTED, *LIVE_STATES, *LIVE_STATES, *visible_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def invoiceable_contracts(user) -> QuerySet[Contract]:
    """The work queue's contracts (for their advance and dated milestones)."""
    visible = Contract.objects.visible_to(user).filter(state__in=ACTIVE_STATES)
    return contracts_with_invoiced(visible).select_related("customer")


# Receivables -------------------------------------------------------------------------------------
OUTSTANDING = ExpressionWrapper(F("amount") - F("paid_amount"), output_field=MONEY)


def open_invoices(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Issued invoices not yet paid in full, with ``outstanding_amount`` annotated."""
    return invoices.filter(state__in=OPEN_STATES).annotate(outstanding_amount=OUTSTANDING)


def bucket_filters(today: date) -> dict[str, Q]:
    """The aging bucket of an open invoice by days past due: not due yet, 0–30 (due today
    included), 31–60, 61–90, over 90."""
    return {
        "not_due": Q(due_date__gt=today),
        "days_0_30": Q(due_date__lte=today, due_date__gte=today - timedelta(days=30)),
        "days_31_60": Q(
            due_date__lte=today - timedelta(days=31), due_date__gte=today - timedelta(days=60)
        ),
        "days_61_90": Q(
            due_date__lte=today - timedelta(days=61), due_date__gte=today - timedelta(days=90)
        ),
        "over_90": Q(due_date__lt=today - timedelta(days=90)),
    }


def _bucket_sums(today: date) -> dict:
    sums = {
        name: Coalesce(Sum(OUTSTANDING, filter=condition), ZERO, output_field=MONEY)
        for name, condition in bucket_filters(today).items()
    }
    sums["total"] = Coalesce(Sum(OUTSTANDING), ZERO, output_field=MONEY)
    sums["invoice_count"] = Count("id")
    return sums


def aging(invoices: QuerySet[Invoice], *, today: date | None = None) -> QuerySet:
    """Outstanding per currency in the aging buckets: rows of ``currency``, ``not_due``,
    ``days_0_30``, ``days_31_60``, ``days_61_90``, ``over_90``, ``total``, ``invoice_count``."""
    today = today or timezone.localdate()
    return (
        invoices.filter(state__in=OPEN_STATES)
        .order_by()
        .values("currency")
        .annotate(**_bucket_sums(today))
        .order_by("currency")
    )


def aging_by_customer(invoices: QuerySet[Invoice], *, today: date | None = None) -> QuerySet:
    """The same buckets per customer and currency (``customer``, ``customer__name`` added),
    largest total first."""
    today = today or timezone.localdate()
    return (
        invoices.filter(state__in=OPEN_STATES)
        .order_by()
        .values("customer", "customer__name", "currency")
        .annotate(**_bucket_sums(today))
        .order_by("-total", "customer__name", "currency")
    )


def overdue_invoices(
    invoices: QuerySet[Invoice], *, today: date | None = None
) -> QuerySet[Invoice]:
    """Open invoices past their due date (at least one day), oldest due first."""
    today = today or timezone.localdate()
    return open_invoices(invoices).filter(due_date__lt=today).order_by("due_date", "id")


def dso(
    invoices: QuerySet[Invoice], *, today: date | None = None, days: int = DSO_DAYS
) -> list[dict]:
    """Days sales outstanding per currency: outstanding now / invoiced (issued, not voided) in
    the last ``days`` days × ``days``. Rows of ``currency``, ``outstanding``, ``sales``, ``days``,
    ``dso`` (None without sales), one per currency with either. One aggregate query."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    is_open = Q(state__in=OPEN_STATES)
    recent = Q(state__in=ISSUED_STATES, issued_on__gte=start, issued_on__lte=today)
    rows = (
        invoices.filter(is_open | recent)
        .order_by()
        .values("currency")
        .annotate(outstanding=Sum(OUTSTANDING, filter=is_open), sales=Sum("amount", filter=recent))
        .order_by("currency")
    )
    return [  # one row per currency, not per invoice
        {"currency": row["currency"], **dso_row(row["outstanding"], row["sales"], days)}
        for row in rows
    ]


def dso_row(outstanding, sales, days: int = DSO_DAYS) -> dict:
    """``outstanding``, ``sales``, ``days`` and ``dso`` of one currency from its two sums."""
    owed = quantize(outstanding or 0)
    sold = quantize(sales or 0)
    figure = (owed / sold * days).quantize(Decimal("0.1")) if sold else None
    return {"outstanding": owed, "sales": sold, "days": days, "dso": figure}


def receivables_totals(
    invoices: QuerySet[Invoice], *, today: date, since: date, until: date, days: int = DSO_DAYS
) -> dict:
    """One aggregate query over ``invoices`` (of one currency) for what ``aging`` (the buckets,
    ``total``, ``invoice_count``) and ``dso`` (``outstanding`` is the aging total, ``sales``)
    answer, with ``invoiced``: issued in [since, until) (voided ones excluded)."""
    is_open = Q(state__in=OPEN_STATES)
    issued = Q(state__in=ISSUED_STATES)
    sums = {
        name: Coalesce(Sum(OUTSTANDING, filter=is_open & condition), ZERO, output_field=MONEY)
        for name, condition in bucket_filters(today).items()
    }
    return invoices.order_by().aggregate(
        **sums,
        total=Coalesce(Sum(OUTSTANDING, filter=is_open), ZERO, output_field=MONEY),
        invoice_count=Count("id", filter=is_open),
        sales=Sum(
            "amount",
            filter=issued
            & Q(issued_on__gte=today - timedelta(days=days - 1), issued_on__lte=today),
        ),
        invoiced=Sum("amount", filter=issued & Q(issued_on__gte=since, issued_on__lt=until)),
    )


def order_to_cash(
    invoices: QuerySet[Invoice], *, since: date | None = None, until: date | None = None
) -> dict:
    """Average days from the order date (the signing date for a milestone invoice) to the day
    the invoice was paid in full, over the invoices paid in [since, until]: ``invoices`` (count)
    and ``average_days`` (Decimal, one decimal; None when none was paid)."""
    paid = invoices.filter(cash_days__isnull=False)
    if since:
        paid = paid.filter(paid_on__gte=since)
    if until:
        paid = paid.filter(paid_on__lte=until)
    row = paid.aggregate(invoices=Count("id"), average=Avg("cash_days"))
    return {"invoices": row["invoices"], "average_days": average_days(row["average"])}


def average_days(average) -> Decimal | None:
    """The database's average of ``cash_days`` as order-to-cash shows it: one decimal."""
    return None if average is None else Decimal(str(average)).quantize(Decimal("0.1"))


def receivables_summary(invoices: QuerySet[Invoice], *, today: date | None = None) -> dict:
    """What the receivables page and the dashboards show: ``aging`` per currency, ``customers``
    (aging per customer), ``dso`` per currency and ``order_to_cash`` over the last year."""
    today = today or timezone.localdate()
    return {
        "today": today,
        "aging": list(aging(invoices, today=today)),
        "customers": aging_by_customer(invoices, today=today),
        "dso": dso(invoices, today=today),
        "order_to_cash": order_to_cash(invoices, since=today - timedelta(days=365), until=today),
    }


def customer_credit(payments: QuerySet[Payment]) -> QuerySet:
    """Unapplied credit per customer and currency among ``payments``: rows of ``customer``,
    ``customer__name``, ``currency``, ``unapplied`` (only where some is left).

    A payment is never allocated beyond its amount (a check constraint), so only the payments
    with something left add to a customer's credit: the others are left out before grouping
    (a few rows to group instead of every payment ever received)."""
    return (
        payments.filter(allocated_amount__lt=F("amount"))
        .order_by()
        .values("customer", "customer__name", "currency")
        .annotate(unapplied=Sum(F("amount") - F("allocated_amount"), output_field=MONEY))
        .filter(unapplied__gt=0)
        .order_by("customer__name", "currency")
    )


def milestone_rows(contract: Contract, today: date | None = None) -> list[dict]:
    """The contract's milestones for the work queue: ``term``, ``label``, ``trigger``,
    ``percent``, ``amount``, ``due_now`` and, when not due, ``reason`` (terms prefetched)."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    rows = []
    for term in contract.terms.all():  # a contract's handful of terms, already fetched
        due_now = milestone_is_triggered(term, contract, today)
        if due_now:
            reason = ""
        elif term.trigger == Trigger.ACCEPTANCE:
            reason = _("Invoiced through the orders, as units are accepted")
        elif term.trigger == Trigger.DATE:
            reason = _("Falls due on %(date)s") % {"date": term.due_date}
        else:
            reason = _("Falls due when the contract is signed")
        rows.append(
            {
                "term": term.pk,
                "label": term.label,
                "trigger": term.trigger,
                "percent": term.percent,
                "amount": term.amount_of(contract.amount),
                "due_now": due_now,
                "reason": reason,
            }
        )
    return rows


def contract_invoiceable(contract: Contract, today: date | None = None) -> Decimal:
    """``invoiceable_on_contract`` from a contract of ``contracts_with_invoiced`` (no query)."""
    own = triggered_milestones_value(contract, today) - contract.milestones_invoiced
    room = contract.amount - contract.contract_invoiced
    return max(Decimal("0.00"), min(own, room))
