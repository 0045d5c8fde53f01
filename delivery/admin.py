from django.contrib import admin

from ltc.core.admin import ReadOnlyAdminMixin

from .models import DeliveryUnit, Order, RevenueEntry, UnitCorrection


class UnitInline(admin.TabularInline):
    model = DeliveryUnit
    extra = 0
    # What a unit is worth and whose it is decide revenue and what may be invoiced: they change
    # in the app (orders are entered, corrected and accepted through the delivery services).
    readonly_fields = (
        "name",
        "amount",
        "state",
        "shipped_on",
        "accepted_on",
        "certificate",
        "accepted_by",
    )
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders are entered through the app or the API; here they are read and corrected."""

    list_display = ("number", "contract", "amount", "currency", "order_date", "state")
    list_filter = ("state",)
    list_select_related = ("contract",)
    readonly_fields = ("state", "contract", "amount", "currency")
    inlines = [UnitInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted (ltc/core/deletion.py): its units are corrected instead


@admin.register(RevenueEntry)
class RevenueEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The revenue ledger is written by acceptances and corrections only."""

    list_display = ("recognised_on", "period", "kind", "amount", "currency", "contract", "unit")
    list_filter = ("kind", "period", "currency")
    list_select_related = ("contract", "unit")


@admin.register(UnitCorrection)
class UnitCorrectionAdmin(admin.ModelAdmin):
    list_display = ("unit", "previous_accepted_on", "by", "at")
    readonly_fields = ("unit", "reason", "previous_accepted_on", "previous_certificate", "by", "at")

    def has_add_permission(self, request):
        return False
