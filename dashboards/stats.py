"""Percentiles in the database, the same on SQLite and PostgreSQL.

Definition (nearest rank): the p-th percentile of n values sorted ascending is the value at rank
⌈p·n/100⌉ (1-based). The median of 1, 2, 3, 4 is 2; the 90th percentile of ten values is the
ninth. Ranks come from ``ROW_NUMBER()`` over the group, the group size from ``COUNT(*)`` over the
same window, and only the rows at the wanted ranks leave the database (a handful per group,
whatever the number of rows). On PostgreSQL the same ranks come from its ordered-set aggregate
``percentile_disc`` (the first value whose position reaches the fraction: rank ⌈p·n/100⌉), which
sorts each group once instead of numbering and counting every row: the company's stage stays of
a year took 36 against 85 ms at a million leads. ``tests/dashboards/test_percentiles.py`` holds
the two forms to the definition on random values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import connections
from django.db.models import Aggregate, Avg, Count, Expression, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

PERCENTILES = (50, 90)


class PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc(fraction) WITHIN GROUP (ORDER BY value)`` for percentile
    ``p``. PostgreSQL takes rank ⌈fraction·n⌉ in floating point, where 0.55 × 100 is
    55.00000000000001 (rank 56, not 55); a fraction a billionth below p/100 gives ⌈p·n/100⌉
    exactly for every group of fewer than ten million values (p·n/100 is a whole number or at
    least a hundredth above one)."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, percentile: int, **extra):
        super().__init__(expression, fraction=repr(percentile / 100 - 1e-9), **extra)


@dataclass(frozen=True)
class Ask:
    """What ``nearest_rank`` is asked for: the group's field (None: all rows are one group), the
    percentiles, and the group's average too or not."""

    group: str | None = None
    percentiles: tuple[int, ...] = PERCENTILES
    average: bool = False


def valued(queryset: QuerySet, value: Expression) -> QuerySet:
    """The rows with their value as ``_v``; a row without one (NULL) is left out."""
    return queryset.order_by().annotate(_v=value).filter(_v__isnull=False)


def nearest_rank(
    queryset: QuerySet,
    value: Expression,
    *,
    group: str | None = None,
    percentiles: Sequence[int] = PERCENTILES,
    average: bool = False,
) -> dict:
    """``{group value: {"count": n, 50: v, 90: v}}`` (``group=None``: one key, ``None``), with
    the group's ``"average"`` (the database's AVG) when asked, in the same statement. Rows whose
    value is NULL are left out before ranking."""
    form = by_percentile_disc if connections[queryset.db].vendor == "postgresql" else by_window
    return form(valued(queryset, value), Ask(group, tuple(percentiles), average))


def by_percentile_disc(rows: QuerySet, ask: Ask) -> dict:
    """``nearest_rank`` of ``valued`` rows by PostgreSQL's ordered-set aggregate: a row a group."""
    sums = {"_n": Count("pk"), **{f"_p{p}": PercentileDisc("_v", p) for p in ask.percentiles}}
    if ask.average:
        sums["_average"] = Avg("_v")
    if ask.group is None:
        total = rows.aggregate(**sums)
        groups = [total] if total["_n"] else []
    else:
        groups = rows.values(ask.group).annotate(**sums)
    return {
        row[ask.group] if ask.group else None: {
            "count": row["_n"],
            **{p: row[f"_p{p}"] for p in ask.percentiles},
            **({"average": row["_average"]} if ask.average else {}),
        }
        for row in groups
    }


def by_window(rows: QuerySet, ask: Ask) -> dict:
    """``nearest_rank`` of ``valued`` rows by numbering them (``ROW_NUMBER`` and ``COUNT`` over
    the group); only the rows at the wanted ranks leave the database."""
    group = ask.group
    partition = [F(group)] if group else []
    ranked = rows.annotate(
        _rank=Window(RowNumber(), partition_by=partition, order_by=[F("_v").asc(), F("pk").asc()]),
        _n=Window(Count("pk"), partition_by=partition),
        **({"_average": Window(Avg("_v"), partition_by=partition)} if ask.average else {}),
    )
    # ⌈p·n/100⌉ in integer arithmetic: (p·n + 99) // 100 (both engines divide integers exactly).
    wanted = Q()
    for p in ask.percentiles:
        wanted |= Q(_rank=(F("_n") * p + 99) / 100)
    columns = [*([group] if group else []), "_v", "_rank", "_n"]
    columns += ["_average"] if ask.average else []
    result: dict = {}
    for row in ranked.filter(wanted).values(*columns):  # at most len(percentiles) per group
        key = row[group] if group else None
        entry = result.setdefault(
            key, {"count": row["_n"], **({"average": row["_average"]} if ask.average else {})}
        )
        for p in ask.percentiles:
            if row["_rank"] == (row["_n"] * p + 99) // 100:
                entry[p] = row["_v"]
    return result


def days(value) -> float | None:
    """A duration (timedelta, or seconds) as days, rounded to a tenth."""
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 86400, 1)
