from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from .models import (
    Allocation,
    BillingPolicy,
    CreditNote,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Payment,
)


@admin.register(BillingPolicy)
class BillingPolicyAdmin(admin.ModelAdmin):
    """The numbering prefixes, the default tax rate and days to pay."""

    list_display = ("invoice_prefix", "credit_note_prefix", "default_tax_rate", "payment_days")

    def has_add_permission(self, request):
        return not BillingPolicy.objects.exists()


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Billing documents change only through the services (the app and the API)."""


class LineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "contract", "order", "amount", "currency", "state")
    list_filter = ("state", "currency")
    list_select_related = ("customer", "contract", "order")
    search_fields = ("number", "contract__number", "customer__name")
    readonly_fields = ("state",)
    inlines = [LineInline]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "invoice", "amount", "currency", "issued_on")
    list_select_related = ("invoice",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "customer",
        "amount",
        "allocated_amount",
        "currency",
        "received_on",
    )
    list_select_related = ("customer",)
    search_fields = ("reference", "external_id", "customer__name")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("payment", "invoice", "amount", "allocated_on", "released_at")
    list_select_related = ("payment", "invoice")


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("kind", "year", "last")
