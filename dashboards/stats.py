"""Percentiles in the database, the same on SQLite and PostgreSQL.

Definition (nearest rank): the p-th percentile of n values sorted ascending is the value at rank
⌈p·n/100⌉ (1-based). The median of 1, 2, 3, 4 is 2; the 90th percentile of ten values is the
ninth. Ranks come from ``ROW_NUMBER()`` over the group, the group size from ``COUNT(*)`` over the
same window, and only the rows at the wanted ranks leave the database (a handful per group,
whatever the number of rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count, Expression, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

PERCENTILES = (50, 90)


def nearest_rank(
    queryset: QuerySet,
    value: Expression,
    *,
    group: str | None = None,
    percentiles: Sequence[int] = PERCENTILES,
) -> dict:
    """``{group value: {"count": n, 50: v, 90: v}}`` (``group=None``: one key, ``None``).
    Rows whose value is NULL are left out before ranking."""
    partition = [F(group)] if group else []
    ranked = (
        queryset.order_by()
        .annotate(_v=value)
        .filter(_v__isnull=False)
        .annotate(
            _rank=Window(
                RowNumber(), partition_by=partition, order_by=[F("_v").asc(), F("pk").asc()]
            ),
            _n=Window(Count("pk"), partition_by=partition),
        )
    )
    # ⌈p·n/100⌉ in integer arithmetic: (p·n + 99) // 100 (both engines divide integers exactly).
    wanted = Q()
    for p in percentiles:
        wanted |= Q(_rank=(F("_n") * p + 99) / 100)
    rows = ranked.filter(wanted).values(*([group] if group else []), "_v", "_rank", "_n")
    result: dict = {}
    for row in rows:  # at most len(percentiles) rows per group
        key = row[group] if group else None
        entry = result.setdefault(key, {"count": row["_n"]})
        for p in percentiles:
            if row["_rank"] == (row["_n"] * p + 99) // 100:
                entry[p] = row["_v"]
    return result


def days(value) -> float | None:
    """A duration (timedelta, or seconds) as days, rounded to a tenth."""
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 86400, 1)
