"""Keyset pagination for the lead lists: ``{"next", "previous", "results"}`` without a count.

A page of a million leads by page number costs a COUNT over every visible row and an OFFSET that
grows with the page; a keyset page costs the index range of its 50 rows. The cursor holds the last
row's sort value and id (the tie-breaker, in the direction of the first sort field), so the next
page starts right after it, whatever was inserted or claimed since. ``page_size`` works as before.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F, Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    default_ordering = ("-score", "-id")

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def _ordering(self, request, queryset, view) -> str:
        for backend in getattr(view, "filter_backends", []):
            if issubclass(backend, OrderingFilter):
                ordering = backend().get_ordering(request, queryset, view)
                if ordering:
                    return ordering[0]
        return self.default_ordering[0]

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self._page_size(request)
        first = self._ordering(request, queryset, view)
        desc = first.startswith("-")
        self.field = first.lstrip("-")
        self.desc = desc
        self.sort = first
        if self.field == "id":
            order = [F("id").desc() if desc else F("id").asc()]
        else:
            column = F(self.field)
            # NULLS LAST only where there are NULLs: on a NOT NULL column it would not match the
            # plain DESC indexes (PostgreSQL sorts DESC with NULLs first).
            self.nullable = queryset.model._meta.get_field(self.field).null
            nulls = {"nulls_last": True} if self.nullable else {}
            order = [
                column.desc(**nulls) if desc else column.asc(**nulls),
                F("id").desc() if desc else F("id").asc(),
            ]
        queryset = queryset.order_by(*order)
        cursor = self._decode(request)
        if cursor is not None:
            queryset = queryset.filter(self._after(*cursor))
        # One statement: the page's ids (and one more, to know whether there is a next page)
        # in a LIMIT subquery, an index-only scan where a covering index exists, and only those
        # rows read from the table with their joins; a scan that skips thousands of invisible
        # rows never reads them from the table. The outer query needs no scope of its own: the
        # ids come from the scoped queryset, in the same snapshot.
        keys = queryset.values("pk")[: self.size + 1]
        if queryset.query.annotations:
            # Annotated rows must come from the queryset that annotates them.
            rows = queryset.filter(pk__in=keys)
        else:
            rows = queryset.model._default_manager.filter(pk__in=keys).order_by(*order)
            rows.query.select_related = queryset.query.select_related
            rows = rows.prefetch_related(*queryset._prefetch_related_lookups)
        # A view with ``page_rows`` reads the page as plain rows (dicts with "id", see
        # LeadViewSet.list); the others get model instances.
        page_rows = getattr(view, "page_rows", None)
        rows = page_rows(rows) if page_rows is not None else list(rows)
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        self.has_previous = cursor is not None
        return self.page

    def _after(self, value, pk) -> Q:
        """Rows after (value, pk) in the order: by value, then by id, NULL values last."""
        id_after = Q(id__lt=pk) if self.desc else Q(id__gt=pk)
        if self.field == "id":
            return id_after
        if value is None:
            return Q(**{f"{self.field}__isnull": True}) & id_after
        beyond = Q(**{f"{self.field}__lt" if self.desc else f"{self.field}__gt": value})
        if getattr(self, "nullable", False):
            beyond |= Q(**{f"{self.field}__isnull": True})
        return beyond | (Q(**{self.field: value}) & id_after)

    # The cursor: base64 of [sort, value, id] -----------------------------------------------
    def _encode(self, row) -> str:
        if isinstance(row, dict):
            value, pk = row[self.field], row["id"]
        else:
            value, pk = getattr(row, self.field), row.pk
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        raw = json.dumps([self.sort, value, pk]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, request):
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            sort, value, pk = json.loads(raw)
            pk = int(pk)
        except (ValueError, TypeError):
            raise NotFound(_("Invalid cursor.")) from None
        if sort != self.sort:
            raise NotFound(_("This cursor belongs to another ordering."))
        if isinstance(value, str) and self.field.endswith("_at"):
            value = parse_datetime(value)
        return value, pk

    def _url(self, cursor: str | None) -> str:
        url = self.request.build_absolute_uri()
        if cursor is None:
            return remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        return self._url(self._encode(self.page[-1]))

    def get_previous_link(self):
        # Back to the first page; clients keep the cursors of the pages they went through.
        return self._url(None) if self.has_previous else None

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor (from the previous answer's next link).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Rows per page (at most 200).",
                "schema": {"type": "integer"},
            },
        ]
