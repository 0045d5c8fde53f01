"""The classes REST_FRAMEWORK's defaults name (the parser, the OPTIONS metadata, the pagination).

They live apart from ``ltc.core.api`` because DRF's ``APIView`` reads these defaults in its class
body: a module that imports ``rest_framework.views`` and is also named in those defaults is
imported half-way when it is the first to load DRF's views (``manage.py check`` asking for the
pagination class first did), and the import fails. Nothing here imports ``rest_framework.views``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import PageNumberPagination

from .text import first_unstorable


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing (400) what would otherwise fail deeper (500): a body nested
    deeper than Python's decoder goes, and text no database column stores (a NUL, an unpaired
    surrogate), wherever it is in the body (nested lists of lines and terms included)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: the body is nested too deeply."))
        where = first_unstorable(data)
        if where:
            raise ParseError(
                _("%(field)s: the text contains a NUL character or an unpaired surrogate.")
                % {"field": where}
            )
        return data


class Metadata(SimpleMetadata):
    """OPTIONS answers on every route. DRF checks a PUT by looking the object up by its id, which
    a route keyed by another id (the ERP's ``by-external-id/<id>/``) does not have: there the
    object check is left out, as it is for a list route."""

    def determine_actions(self, request, view):
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in (getattr(view, "kwargs", None) or {}) or not hasattr(view, "get_object"):
            return super().determine_actions(request, view)
        get_object = view.get_object
        view.get_object = lambda: None
        try:
            return super().determine_actions(request, view)
        finally:
            view.get_object = get_object


COUNT_LIMIT = 10_000


class BoundedPaginator(Paginator):
    """A paginator that counts at most ``COUNT_LIMIT`` + 1 rows: ``SELECT COUNT(*) FROM (…
    LIMIT 10001)``, so a page costs the same over a thousand rows or ten million, where
    ``COUNT(*)`` over the filtered table grew with it. Past the limit the count reads
    ``COUNT_LIMIT`` and the pages stop there (an offset that deep would not be flat either):
    narrow the filters, or use a keyset list (leads)."""

    @cached_property
    def counted(self) -> int:
        """The rows, counted up to one past the limit (a queryset in no order: any counts)."""
        rows = self.object_list
        if hasattr(rows, "order_by"):
            return rows.order_by()[: COUNT_LIMIT + 1].count()
        return len(rows[: COUNT_LIMIT + 1])

    @property
    def capped(self) -> bool:
        return self.counted > COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        return min(self.counted, COUNT_LIMIT)


class Pagination(PageNumberPagination):
    """Every list's pages (``GenericAPIView`` reads it in its class body: hence here), counted
    up to ``COUNT_LIMIT`` (``BoundedPaginator``); ``count_capped`` says when there are more."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = BoundedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": f"More than {COUNT_LIMIT} records match: count stops there.",
        }
        return schema
