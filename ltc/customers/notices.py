from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "customer_recovered",
    _("Customer “%(name)s” went back to the customer pool: nothing was logged on it by %(due)s."),
)
register(
    "customer_recovered_team",
    _("%(owner)s's customer “%(name)s” went back to the customer pool (due %(due)s)."),
    manager_alert=True,
)
register(
    "customer_due_soon",
    _(
        "%(count)s of your customers go back to the customer pool from %(due)s unless you log "
        "an activity on them: %(names)s"
    ),
)
register("customer_assigned", _("Customer “%(name)s” was assigned to you by %(by)s."))
