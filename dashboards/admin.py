from django.contrib import admin

from .models import KpiTarget, SalesTarget


@admin.register(SalesTarget)
class SalesTargetAdmin(admin.ModelAdmin):
    list_display = ("month", "team", "owner", "amount", "currency", "entered_by")
    list_filter = ("month", "team", "currency")
    raw_id_fields = ("owner", "entered_by")


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("kpi", "target", "updated_at")
