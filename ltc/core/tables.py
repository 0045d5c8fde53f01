"""Sorting of list pages by their column headers: ``?sort=amount`` or ``?sort=-amount``, only
on the columns a page whitelists (a key maps to the field it orders by), with the primary key
as the tie-break so pagination is stable. Without ``sort`` the page keeps its own order."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet


@dataclass(frozen=True)
class Sorting:
    key: str = ""  # the column key, "" when the page's default order applies
    descending: bool = False


def sort_by(request, qs: QuerySet, columns: dict[str, str]) -> tuple[QuerySet, Sorting]:
    raw = (request.GET.get("sort") or "").strip()
    key = raw.lstrip("-")
    if key not in columns:
        return qs, Sorting()
    descending = raw.startswith("-")
    field = F(columns[key])
    ordering = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    tie = "-pk" if descending else "pk"
    return qs.order_by(ordering, tie), Sorting(key=key, descending=descending)
