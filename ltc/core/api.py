"""REST plumbing shared by every app: the error shape, pagination, and small view helpers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, InvalidInput
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
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Domain errors become 400/403/409 with ``detail`` and ``missing``; nothing becomes a 500."""
    if isinstance(exc, InvalidInput):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": str(exc), "missing": []}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "forbidden"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


RefusalSerializer = inline_serializer(
    name="Refusal",
    fields={
        "detail": serializers.CharField(),
        "missing": serializers.ListField(
            child=inline_serializer(
                name="MissingItem",
                fields={"code": serializers.CharField(), "label": serializers.CharField()},
            )
        ),
    },
)

REFUSED = OpenApiResponse(RefusalSerializer, description="Transition refused: every unmet item.")
FORBIDDEN = OpenApiResponse(RefusalSerializer, description="Not allowed for this user.")
