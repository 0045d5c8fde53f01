from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is looked at, never added to, changed or deleted by hand."""

    list_display = (
        "at",
        "model",
        "object_id",
        "field",
        "old_value",
        "new_value",
        "actor",
        "source",
    )
    list_filter = ("model", "action", "source")
    search_fields = ("object_id", "field", "actor__username", "request_id")
    list_select_related = ("actor",)
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
