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
# A recovery batch that takes several leads from one person tells them (and their managers)
# once: how many, the first DIGEST_TITLES titles, whose (leads/sweeps_pg.py, services).
DIGEST_TITLES = 5
register(
    "lead_recovered_digest",
    _("%(count)s of your leads went back to the pool, their follow-ups overdue: %(titles)s."),
)
register(
    "lead_recovered_team_digest",
    _("%(count)s leads of %(owners)s went back to the pool, their follow-ups overdue: %(titles)s."),
    manager_alert=True,
)
