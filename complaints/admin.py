from django.contrib import admin

from .models import Complaint, CustomerConfirmation, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["severity", "response_hours", "resolution_hours"]


class ConfirmationInline(admin.TabularInline):
    model = CustomerConfirmation
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in CustomerConfirmation._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: complaints change through their transitions on the pages and the API."""

    list_display = ["title", "customer", "severity", "state", "owner", "opened_at"]
    list_filter = ["state", "severity", "category"]
    search_fields = ["title", "customer__name"]
    inlines = [ConfirmationInline]
    list_select_related = ["customer", "owner"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Complaint._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
