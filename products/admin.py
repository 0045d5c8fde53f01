"""Catalogue configuration screens. Nothing priced is deleted (quotes and reports point at it):
products, books and prices are deactivated or changed. Cost prices are saved through
``services.set_cost_price``, which only finance and admins pass."""

from django.contrib import admin, messages

from ltc.core.errors import DomainError

from . import services
from .models import (
    Bundle,
    BundleComponent,
    CostPrice,
    PriceBook,
    PriceBookEntry,
    Product,
    ProductFamily,
)
from .querysets import may_edit_costs


class NoDelete:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProductFamily)
class ProductFamilyAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name_zh_hans", "name_en")


class CostPriceInline(NoDelete, admin.TabularInline):
    model = CostPrice
    extra = 0
    fields = ("currency", "amount", "updated_by", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "family", "type", "unit", "active")
    list_filter = ("family", "type", "active")
    search_fields = ("code", "name_zh_hans", "name_en", "external_id")
    list_select_related = ("family",)
    inlines = [CostPriceInline]


class BundleComponentInline(admin.TabularInline):
    model = BundleComponent
    extra = 1
    autocomplete_fields = ("product",)


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "active")
    search_fields = ("code", "name_zh_hans", "name_en")
    inlines = [BundleComponentInline]


class PriceBookEntryInline(NoDelete, admin.TabularInline):
    model = PriceBookEntry
    extra = 1
    fields = ("product", "list_price")
    autocomplete_fields = ("product",)


@admin.register(PriceBook)
class PriceBookAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("name", "is_standard", "currency", "valid_from", "valid_to", "active")
    list_filter = ("is_standard", "currency", "active")
    search_fields = ("name", "external_id")
    inlines = [PriceBookEntryInline]


@admin.register(CostPrice)
class CostPriceAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("product", "currency", "amount", "updated_by", "updated_at")
    list_filter = ("currency",)
    search_fields = ("product__code", "product__name_en", "product__name_zh_hans")
    list_select_related = ("product", "product__family", "updated_by")
    # A plain select: the autocomplete widget looks up whatever ?product= carries (a 500 on
    # anything but an id).
    fields = ("product", "currency", "amount")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and may_edit_costs(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and may_edit_costs(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit_costs(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("product", "currency") if obj else ()

    def save_model(self, request, obj, form, change):
        try:
            saved = services.set_cost_price(
                by=request.user, product=obj.product, currency=obj.currency, amount=obj.amount
            )
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return
        obj.pk, obj.updated_by = saved.pk, saved.updated_by
