from django.contrib import admin

from .models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_id", "industry", "region", "owner", "team")
    list_select_related = ("owner", "team")
    search_fields = ("name", "tax_id")
    inlines = [ContactInline]
