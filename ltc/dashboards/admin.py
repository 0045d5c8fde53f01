from django.contrib import admin

from .models import SalesTarget


@admin.register(SalesTarget)
class SalesTargetAdmin(admin.ModelAdmin):
    list_display = ("month", "team", "owner", "amount", "currency", "entered_by")
    list_filter = ("month", "team", "currency")
    raw_id_fields = ("owner", "entered_by")
