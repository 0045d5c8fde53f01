from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from . import fieldspec
from .models import Campaign, Lead, LeadImport, LeadRecovery, Pool


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):
    """Pools and their rules: follow-up deadlines, holding and daily limits, cooldown, warning."""

    list_display = (
        "name",
        "team",
        "is_default",
        "first_follow_up_days",
        "follow_up_interval_days",
        "max_held",
        "max_daily_claims",
        "reclaim_cooldown_days",
        "warning_hours",
    )
    list_select_related = ("team",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "starts_on", "ends_on", "budget", "currency", "owner")
    list_filter = ("source",)
    search_fields = ("name",)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """Leads can be corrected here, but the state and the owner only move through transitions."""

    list_display = (
        "title",
        "company_name",
        "source",
        "state",
        "owner",
        "pool",
        "score",
        "follow_up_due_at",
    )
    list_filter = ("state", "source", "pool")
    list_select_related = ("owner", "pool")
    search_fields = ("title", "company_name", "phone", "email")
    readonly_fields = fieldspec.ADMIN_READ_ONLY  # leads/fieldspec.py
    raw_id_fields = ("campaign",)

    def has_add_permission(self, request):
        return False  # leads are created through the app or the API, which check duplicates

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LeadRecovery)
class LeadRecoveryAdmin(admin.ModelAdmin):
    list_display = ("lead", "former_owner", "kind", "at", "due_at")
    list_select_related = ("lead", "former_owner")
    readonly_fields = ("lead", "former_owner", "kind", "reason", "due_at", "at")

    def has_add_permission(self, request):
        return False


@admin.register(LeadImport)
class LeadImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: a job changes state through its task and the resume action of its page."""

    list_display = ("name", "uploaded_by", "created_at", "state", "total_rows", "last_row")
    list_filter = ("state",)
    list_select_related = ("uploaded_by",)
    search_fields = ("name", "sha256", "uploaded_by__username")
