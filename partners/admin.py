from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from .models import DealRegistration, Partner, PartnerMembership


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "channel_manager", "protection_days", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(DealRegistration)
class DealRegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: registrations change through the portal, the queue and the API only."""

    list_display = ["project_name", "customer_name", "partner", "state", "protected_until"]
    list_filter = ["state", "partner"]
    search_fields = ["project_name", "customer_name"]
    list_select_related = ["partner"]
