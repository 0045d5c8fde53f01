from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404

from ..filters import AuditEntryFilter
from ..history import history_of, readable
from ..models import AuditEntry
from ..permissions import can_read_audit
from .serializers import AuditEntrySerializer, FieldHistoryPageSerializer


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """``GET audit-entries/``: the money audit trail, newest first (admin and finance)."""

    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()
    filterset_class = AuditEntryFilter
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if not can_read_audit(self.request.user):
            raise NotFound
        return AuditEntry.objects.visible_to(self.request.user).select_related("actor")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return readable(page) if page is not None else None

    def get_object(self):
        return readable([super().get_object()])[0]


class FieldHistoryMixin:
    """``GET <resource>/<id>/field-history/`` on a viewset: the record's field history (who,
    when, from, to), readable, for whoever sees the record (the viewset's own scope: 404
    otherwise). (An opportunity's ``history/`` is its stage and grade history.)"""

    @extend_schema(
        request=None,
        responses={
            200: FieldHistoryPageSerializer,
            404: OpenApiResponse(description="Not visible"),
        },
        summary="The record's field history, newest first (whoever sees the record)",
    )
    @action(detail=True, methods=["get"], filter_backends=[], url_path="field-history")
    def field_history(self, request, pk=None):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        page = readable(self.paginate_queryset(history_of(record)), with_records=False)
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)
