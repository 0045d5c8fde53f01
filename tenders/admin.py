"""Tenders in the admin: read-only. A tender changes through its page or the API (the services
keep its deadlines, its deal and its history in step); it is never deleted."""

from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from .models import Tender, TenderTask


class TenderTaskInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TenderTask
    extra = 0
    fields = ("member", "role", "task", "due_on", "done_at")
    readonly_fields = fields


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "issuer",
        "opportunity",
        "state",
        "submission_due_at",
        "bond_amount",
        "bond_currency",
        "bond_returned_on",
    )
    list_filter = ("state", "bond_currency")
    search_fields = ("number", "issuer", "opportunity__name", "winner")
    list_select_related = ("opportunity",)
    inlines = [TenderTaskInline]
