from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ltc.core.admin import ReadOnlyAdminMixin

from . import outbox
from .models import (
    Activity,
    Notification,
    OutboxMessage,
    PlannedActivity,
    TeamAlertHook,
    TransitionLog,
)


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The transition log is evidence: readable, never editable."""

    list_display = ("at", "content_type", "object_id", "transition", "source", "target", "actor")
    list_filter = ("content_type", "transition")
    list_select_related = ("content_type", "actor")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "actor", "content_type", "object_id")
    list_select_related = ("actor", "content_type")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "read_at", "emailed_at")
    list_select_related = ("recipient",)


@admin.register(PlannedActivity)
class PlannedActivityAdmin(admin.ModelAdmin):
    list_display = ("due_at", "kind", "title", "owner", "state", "content_type", "object_id")
    list_filter = ("state", "kind")
    list_select_related = ("owner", "content_type")
    readonly_fields = ("state", "activity", "completed_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """What was sent, what waits for its next attempt, and what failed for good (with why)."""

    list_display = ("created_at", "channel", "to", "subject", "state", "attempts", "last_error")
    list_filter = ("state", "channel", "kind")
    search_fields = ("to", "subject")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the failed messages again"))
    def send_again(self, request, queryset):
        count = outbox.retry_failed(ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("%(count)s messages will be sent again.") % {"count": count}, messages.INFO
        )


@admin.register(TeamAlertHook)
class TeamAlertHookAdmin(admin.ModelAdmin):
    list_display = ("team", "kind", "active")
    list_select_related = ("team",)
