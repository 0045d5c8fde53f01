"""The classes REST_FRAMEWORK's defaults name (the parser, the OPTIONS metadata, the pagination).

They live apart from ``ltc.core.api`` because DRF's ``APIView`` reads these defaults in its class
body: a module that imports ``rest_framework.views`` and is also named in those defaults is
imported half-way when it is the first to load DRF's views (``manage.py check`` asking for the
pagination class first did), and the import fails. Nothing here imports ``rest_framework.views``.
"""

from __future__ import annotations

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


class Pagination(PageNumberPagination):
    """Every list's pages (``GenericAPIView`` reads it in its class body: hence here)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
