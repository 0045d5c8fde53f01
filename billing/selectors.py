"""Read-side functions of billing: receivables, aging, DSO and order-to-cash days. What may be
invoiced now (and why not the rest) has its own module, ``billing.invoiceable``.

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
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ltc.core.money import quantize

from .models import ISSUED_STATES, OPEN_STATES, Invoice, Payment

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)
DSO_DAYS = 90

# Aging buckets by days past due (today - due date): the edges are inclusive as written.
BUCKETS = ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90")


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


def currency_figures(invoices: QuerySet[Invoice], *, today: date, days: int = DSO_DAYS) -> dict:
    """``aging``, ``dso`` (per currency) and ``order_to_cash`` (the last year) from ONE grouped
    statement over the invoices that matter to them: the open ones, those issued in the last
    ``days`` days and those paid in the last year (each branch an index range: state and due
    date, issued on, paid on; never the whole history). The same figures as ``aging``, ``dso``
    and ``order_to_cash`` (tests/billing/test_receivables.py holds them together)."""
    is_open = Q(state__in=OPEN_STATES)
    recent = Q(
        state__in=ISSUED_STATES,
        issued_on__gte=today - timedelta(days=days - 1),
        issued_on__lte=today,
    )
    since = today - timedelta(days=365)
    paid = Q(cash_days__isnull=False, paid_on__gte=since, paid_on__lte=today)
    rows = list(
        invoices.filter(is_open | recent | paid)
        .order_by()
        .values("currency")
        .annotate(
            **{
                name: Coalesce(
                    Sum(OUTSTANDING, filter=is_open & condition), ZERO, output_field=MONEY
                )
                for name, condition in bucket_filters(today).items()
            },
            total=Coalesce(Sum(OUTSTANDING, filter=is_open), ZERO, output_field=MONEY),
            invoice_count=Count("id", filter=is_open),
            sales=Sum("amount", filter=recent),
            paid_count=Count("id", filter=paid),
            paid_days=Sum("cash_days", filter=paid),
        )
        .order_by("currency")
    )
    buckets = (*BUCKETS, "total", "invoice_count")
    paid_count = sum(row["paid_count"] for row in rows)
    paid_days = sum(row["paid_days"] or 0 for row in rows)
    return {
        "aging": [
            {"currency": row["currency"], **{name: row[name] for name in buckets}}
            for row in rows
            if row["invoice_count"]
        ],
        "dso": [
            {"currency": row["currency"], **dso_row(row["total"], row["sales"], days)}
            for row in rows
            if row["invoice_count"] or row["sales"] is not None
        ],
        "order_to_cash": {
            "invoices": paid_count,
            "average_days": average_days(Decimal(paid_days) / paid_count if paid_count else None),
        },
    }


def receivables_summary(invoices: QuerySet[Invoice], *, today: date | None = None) -> dict:
    """What the receivables page and the API show: ``aging`` per currency, ``customers``
    (aging per customer: a queryset, the caller pages it), ``dso`` per currency and
    ``order_to_cash`` over the last year; the per-currency figures from one statement."""
    today = today or timezone.localdate()
    return {
        "today": today,
        **currency_figures(invoices, today=today),
        "customers": aging_by_customer(invoices, today=today),
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
