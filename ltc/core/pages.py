"""Keyset pages for the HTML lists: a page of rows and "next" / "previous" links, without a count.

``Paginator`` counts every row the filters let through (``SELECT COUNT(*)``) and skips to its page
with an ``OFFSET``: both grow with the table, and at a million leads the count was most of the lead
list's time. A keyset page reads the index range of its rows: the rows after (or before) the
cursor in the queryset's order, one more to know whether there is a next page. It costs the same
on the first page and the thousandth, at 100k rows and at 10M.

``keyset_page(request, queryset)`` takes the queryset's own order (the page's default, or the
column a header sorted by: ``ltc.core.tables.sort_by``), adds the primary key as the tie-break
when it is not there, and puts NULLs last on nullable columns (the same on PostgreSQL and SQLite).
The cursor names that order, so a cursor of another order (a header clicked since) starts again
from the first page; a cursor that does not decode is a 400 naming the parameter. Filters are
the queryset's: the links keep every other parameter of the request.

The API's lead lists page the same way (``leads.api.pagination.KeysetPagination``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import BadRequest, FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ltc.core.numbers import whole_number

PAGE_SIZE = 50
FORWARD, BACKWARD = "n", "p"


@dataclass(frozen=True)
class Column:
    """One column of a page's order: the lookup (``"pk"``, ``"score"``, ``"contract__number"``),
    its direction and whether it may hold NULL (then NULLs sort last)."""

    name: str
    desc: bool
    nullable: bool

    @property
    def spec(self) -> str:
        return ("-" if self.desc else "") + self.name

    def order(self, reverse: bool = False):
        desc = self.desc != reverse
        if not self.nullable:
            return F(self.name).desc() if desc else F(self.name).asc()
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        return F(self.name).desc(**nulls) if desc else F(self.name).asc(**nulls)


@dataclass
class KeysetPage:
    """What a template needs: ``object_list`` and the links (query strings starting with ``?``,
    None where there is no such page)."""

    object_list: list
    next_url: str | None = None
    previous_url: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_url is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_url is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _nullable(model, name: str) -> bool:
    """Whether the lookup ``name`` may be NULL (a path through a nullable relation may; an
    annotation or anything not resolved is taken as nullable)."""
    if name == "pk":
        return False
    for part in name.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if field.null:
            return True
        if field.is_relation and part != name.split("__")[-1]:
            model = field.related_model
    return False


def _name(expression) -> str:
    if isinstance(expression, str):
        return expression
    if isinstance(expression, F):
        return expression.name
    raise ValueError(f"A keyset page orders by fields, not by {expression!r}.")


def columns_of(queryset: QuerySet) -> list[Column]:
    """The queryset's order as columns, the primary key last (in the first column's direction
    when it was not there)."""
    model = queryset.model
    raw = list(queryset.query.order_by) or list(model._meta.ordering)
    columns: list[Column] = []
    for item in raw:
        if isinstance(item, OrderBy):
            name, desc = _name(item.expression), item.descending
        else:
            name = _name(item)
            desc = name.startswith("-")
            name = name.lstrip("-")
        if name in ("id", model._meta.pk.name):
            name = "pk"
        columns.append(Column(name, desc, _nullable(model, name)))
        if name == "pk":
            break  # the primary key is unique: what follows it never decides
    if not columns or columns[-1].name != "pk":
        columns.append(Column("pk", columns[0].desc if columns else False, False))
    return columns


# The cursor: base64 of [order, direction, values] ---------------------------------------------
def _dump(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _load(value):
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        parsed = {"t": parse_datetime, "d": parse_date, "n": Decimal}[kind](text)
        if parsed is None:
            raise ValueError(text)
        return parsed
    if isinstance(value, (list, dict)):
        raise ValueError(value)
    return value


def encode(columns: list[Column], direction: str, values: list) -> str:
    order = ",".join(c.spec for c in columns)
    raw = json.dumps([order, direction, [_dump(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, columns: list[Column], param: str) -> tuple[str, list] | None:
    """(direction, values) of a cursor of this order; None for a cursor of another order."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        order, direction, values = json.loads(raw)
        values = [_load(v) for v in values]
        valid = direction in (FORWARD, BACKWARD) and len(values) == len(columns)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise BadRequest(_("%(field)s: this page link is not valid.") % {"field": param})
    if order != ",".join(c.spec for c in columns):
        return None
    return direction, values


# The rows beyond a cursor ---------------------------------------------------------------------
def _step(column: Column, value, forward: bool) -> tuple[Q | None, Q]:
    """(strictly beyond ``value`` in the walking direction, equal to it) for one column, with
    NULLs last in the page's order."""
    name = column.name
    if value is None:
        equal = Q(**{f"{name}__isnull": True})
        return (None if forward else Q(**{f"{name}__isnull": False})), equal
    greater = column.desc != forward  # ascending forward, or descending backward: greater
    beyond = Q(**{f"{name}__gt" if greater else f"{name}__lt": value})
    if forward and column.nullable:
        beyond |= Q(**{f"{name}__isnull": True})
    return beyond, Q(**{name: value})


def beyond(columns: list[Column], values: list, forward: bool = True) -> Q:
    """The rows after (``forward``) or before the row whose order values are ``values``."""
    condition: Q | None = None
    for column, value in reversed(list(zip(columns, values, strict=True))):
        strictly, equal = _step(column, value, forward)
        tail = equal & condition if condition is not None else None
        if strictly is None:
            condition = tail if tail is not None else Q(pk__in=[])
        else:
            condition = strictly | tail if tail is not None else strictly
    return condition


def _values(row, columns: list[Column], keys: dict[str, str]) -> list:
    out = []
    for column in columns:
        attribute = keys.get(column.name, column.name)
        if isinstance(row, dict):
            out.append(row["id" if attribute == "pk" and "pk" not in row else attribute])
        else:
            out.append(getattr(row, attribute))
    return out


def _link(request, param: str, token: str | None, anchor: str) -> str:
    params = [(k, v) for k, vs in request.GET.lists() for v in vs if k not in {param, "page"}]
    if token is not None:
        params.append((param, token))
    return "?" + urlencode(params) + anchor


def keyset_page(
    request, queryset: QuerySet, *, size: int = PAGE_SIZE, param: str = "cursor", anchor: str = ""
) -> KeysetPage:
    """The page of ``queryset`` that the request's ``param`` cursor points at (the first page
    without one): one query for its rows (plus the queryset's prefetches), no count."""
    columns = columns_of(queryset)
    token = request.GET.get(param)
    cursor = decode(token, columns, param) if token else None
    direction, values = cursor if cursor else (FORWARD, None)
    forward = direction == FORWARD
    # A path through a relation is read from an annotation of the row; a plain field from the row.
    # (A ``values()`` queryset's rows are dicts that hold its paths by name.)
    keys = {}
    if not queryset._fields:
        keys = {c.name: f"keyset_{i}" for i, c in enumerate(columns) if "__" in c.name}
        queryset = queryset.annotate(**{key: F(name) for name, key in keys.items()})
    rows_qs = queryset.order_by(*(c.order(reverse=not forward) for c in columns))
    if values is not None:
        rows_qs = rows_qs.filter(beyond(columns, values, forward))
    rows = list(rows_qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    page = KeysetPage(rows)
    if rows:
        first, last = _values(rows[0], columns, keys), _values(rows[-1], columns, keys)
        if (forward and more) or (not forward and cursor):
            page.next_url = _link(request, param, encode(columns, FORWARD, last), anchor)
        if (forward and cursor) or (not forward and more):
            page.previous_url = _link(request, param, encode(columns, BACKWARD, first), anchor)
    elif cursor:
        page.previous_url = _link(request, param, None, anchor)  # back to the first page
    return page


def offset_page(request, rows, *, size: int = PAGE_SIZE, param: str = "page", anchor: str = ""):
    """A page of a grouped result, which has no key to seek on (per-customer sums, say): its
    rows by LIMIT/OFFSET, one more to know whether there is a next page, and no count. Only for
    results bounded by their filter (the open invoices), not by the table."""
    raw = request.GET.get(param) or "1"
    number = whole_number(raw)
    if number is None or not 0 < number <= 100_000:
        raise BadRequest(_("%(field)s: this page link is not valid.") % {"field": param})
    found = list(rows[(number - 1) * size : number * size + 1])
    page = KeysetPage(found[:size])
    if len(found) > size:
        page.next_url = _link(request, param, str(number + 1), anchor)
    if number > 1:
        page.previous_url = _link(request, param, str(number - 1), anchor)
    return page
