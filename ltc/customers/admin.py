from django.contrib import admin

from .models import Contact, Customer, CustomerPool, CustomerRecovery


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_id", "industry", "region", "owner", "team", "pool", "pool_state")
    list_select_related = ("owner", "team", "pool")
    list_filter = ("pool_state", "pool")
    search_fields = ("name", "tax_id")
    # The pool state changes only through the pool's services (claim, assign, release, sweep).
    readonly_fields = ("pool_state", "pool_due_at", "last_touched_at", "recovery_count")
    inlines = [ContactInline]


@admin.register(CustomerPool)
class CustomerPoolAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "team",
        "is_default",
        "idle_days",
        "max_held",
        "reclaim_cooldown_days",
        "warning_days",
    )
    list_select_related = ("team",)


@admin.register(CustomerRecovery)
class CustomerRecoveryAdmin(admin.ModelAdmin):
    list_display = ("customer", "former_owner", "kind", "at", "reclaimed_by", "reclaimed_at")
    list_select_related = ("customer", "former_owner", "reclaimed_by")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in CustomerRecovery._meta.fields]

    def has_add_permission(self, request):
        return False
