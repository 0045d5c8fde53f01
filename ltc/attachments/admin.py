from django.contrib import admin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "kind",
        "content_type",
        "object_id",
        "uploaded_by",
        "uploaded_at",
        "deleted_at",
    )
    list_filter = ("kind", "content_type")
    search_fields = ("name",)
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting is the recorded soft delete of the service
