from django.contrib import admin

from .models import Activity, Notification, TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    """The transition log is evidence: readable, never editable."""

    list_display = ("at", "content_type", "object_id", "transition", "source", "target", "actor")
    list_filter = ("content_type", "transition")
    list_select_related = ("content_type", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "actor", "content_type", "object_id")
    list_select_related = ("actor", "content_type")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "read_at", "emailed_at")
    list_select_related = ("recipient",)
