from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "quote_approval_requested",
    _("Quote %(number)s of “%(name)s” has a %(discount)s%% discount and needs your approval."),
    manager_alert=True,
)
register("quote_decided", _("Quote %(number)s: %(decision)s by %(by)s."))
register(
    "change_requested", _("Contract %(number)s: a change needs your assessment: %(description)s")
)
