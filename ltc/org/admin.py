from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("LTC"), {"fields": ("role", "team", "phone", "language")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("LTC"), {"fields": ("role", "team")}),)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "leader")
    list_select_related = ("parent", "leader")
