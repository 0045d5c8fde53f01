"""REST plumbing shared by every app: the error shape, pagination, and small view helpers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_fsm import TransitionNotAllowed
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, InvalidInput


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
