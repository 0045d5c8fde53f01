from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "lead_recovered", _("Lead “%(title)s” went back to the pool: its follow-up was due %(due)s.")
)
register(
    "lead_recovered_team",
    _("%(owner)s's lead “%(title)s” went back to the pool: its follow-up was due %(due)s."),
    manager_alert=True,
)
register(
    "lead_due_soon", _("Lead “%(title)s” goes back to the pool at %(due)s unless you follow it up.")
)
register("lead_assigned", _("Lead “%(title)s” was assigned to you by %(by)s."))
register("lead_duplicate", _("New lead “%(title)s” looks like a duplicate of “%(other)s”."))
