"""People's API tokens (read and revoked, never shown) and unlocking a locked-out login from the
admin: the failed-login records of django-axes get an
"Unlock" action that clears the records of each selected user name and address (what
``axes_reset_ip_username`` does from the shell)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from . import token_cache
from .models import UserToken


class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    @admin.action(
        description=_("Unlock: forget the failed logins of these user names and addresses")
    )
    def unlock(self, request, queryset):
        pairs = set(queryset.values_list("username", "ip_address"))
        for username, ip_address in pairs:
            # Both keys together, as the lockout counts them: other addresses stay as they are.
            AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
        messages.success(request, _("%(count)s locked logins unlocked.") % {"count": len(pairs)})


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockoutAdmin)


@admin.register(UserToken)
class UserTokenAdmin(admin.ModelAdmin):
    """People's API tokens as the admin sees them: who, which client, when, and whether revoked.
    Only a hash of each key is stored, so no usable key can be shown here; an admin revokes."""

    list_display = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("user__username", "name", "prefix")
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        token_cache.forget_tokens(queryset.filter(revoked_at__isnull=True))
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("%(count)s tokens revoked.") % {"count": count})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# DRF's own token admin shows every key in clear; those tokens are no longer accepted anyway.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
