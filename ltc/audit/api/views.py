from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from ..filters import AuditEntryFilter
from ..models import AuditEntry
from ..permissions import can_read_audit
from .serializers import AuditEntrySerializer


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
