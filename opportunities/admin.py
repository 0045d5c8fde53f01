from django.contrib import admin

from . import fieldspec
from .models import (
    Competitor,
    DecisionChainMember,
    GradingPolicy,
    Opportunity,
    OpportunityTask,
    Process,
    Review,
    Stage,
    StageRequirement,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = (
        "order",
        "code",
        "name_en",
        "name_zh",
        "probability",
        "cadence_days",
        "roles",
        "is_signing",
    )
    show_change_link = True


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    """A company defines its own sales process: stages in order, each with its gate."""

    list_display = ("name", "code", "is_default", "for_partner_deals")
    inlines = [StageInline]


class RequirementInline(admin.TabularInline):
    model = StageRequirement
    extra = 1
    fields = ("order", "kind", "code", "label_en", "label_zh", "role", "fast_track")


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = (
        "process",
        "order",
        "code",
        "name_en",
        "name_zh",
        "probability",
        "cadence_days",
        "is_signing",
    )
    list_filter = ("process",)
    inlines = [RequirementInline]


@admin.register(GradingPolicy)
class GradingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "a_min", "b_min", "c_min")


class DecisionChainInline(admin.TabularInline):
    model = DecisionChainMember
    extra = 0
    raw_id_fields = ("contact",)


class CompetitorInline(admin.TabularInline):
    model = Competitor
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Details can be corrected; the stage, grade and state move only through their gates, and
    what decides the grade or the won value (amount, currency, partner) and who owns the deal
    change only in the app, through the services that keep the track and the history."""

    list_display = ("name", "customer", "amount", "currency", "grade", "stage", "state", "owner")
    list_filter = ("state", "grade", "process")
    list_select_related = ("customer", "stage", "owner")
    search_fields = ("name", "customer__name")
    readonly_fields = fieldspec.ADMIN_READ_ONLY  # opportunities/fieldspec.py
    inlines = [DecisionChainInline, CompetitorInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "kind", "state", "requested_at", "decided_at", "decided_by")
    list_filter = ("kind", "state")
    readonly_fields = (
        "state",
        "opportunity",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "duration_seconds",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Never deleted (a contract may wait on it): a pending one is rejected in the app.
        return False


@admin.register(OpportunityTask)
class OpportunityTaskAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "label", "role", "assignee", "done_at")
    list_select_related = ("opportunity", "assignee")
    readonly_fields = ("done_at", "done_by")
