from django.contrib import admin

from .models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    """Read-only: beat and the workers write these rows."""

    list_display = (
        "name",
        "last_sent_at",
        "last_started_at",
        "last_finished_at",
        "last_outcome",
        "last_result",
        "runs",
        "failures",
    )
    readonly_fields = [field.name for field in PeriodicRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
