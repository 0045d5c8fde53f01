from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from .models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
