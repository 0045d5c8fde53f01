"""Unlocking a locked-out login from the admin: the failed-login records of django-axes get an
"Unlock" action that clears the records of each selected user name and address (what
``axes_reset_ip_username`` does from the shell)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _


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
