"""Order to cash, defined from dates that make sense together.

The days of an invoice paid in full run from the customer's commitment to the final payment:

- the start is the contract's signing date; a contract without one (never for a contract that
  was invoiced through the services, but possible in imported data) starts at the first
  acceptance of the invoice's order, and as a last resort at billing's ``started_on``;
- the end is ``paid_on``, the day the last payment settled the invoice.

Billing's stored ``cash_days`` counts from the order date, which a late-registered order can put
after the acceptance and the payment (and ``cash_days`` then clamps to 0): a 0-day median that no
one could believe. The drill-down lists both ends, so every number can be checked by hand.
"""

from __future__ import annotations

from django.db.models import DateField, F, Func, IntegerField, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates), the same on PostgreSQL and SQLite."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({end[0]} - {start[0]})", [*end[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"CAST(ROUND(julianday({end[0]}) - julianday({start[0]})) AS INTEGER)"
        return sql, [*end[1], *start[1]]


def _first_acceptance():
    from delivery.models import DeliveryUnit

    return Subquery(
        DeliveryUnit.objects.filter(order_id=OuterRef("order_id"), accepted_on__isnull=False)
        .order_by()
        .values("order_id")
        .annotate(first=Min("accepted_on"))
        .values("first")[:1],
        output_field=DateField(),
    )


def cash_ends() -> dict:
    """The annotations of an invoice queryset: ``o2c_start`` (the date), ``o2c_days``."""
    start = Coalesce(
        F("contract__signed_on"), _first_acceptance(), F("started_on"), output_field=DateField()
    )
    return {"o2c_start": start, "o2c_days": DaysBetween(F("paid_on"), start)}
