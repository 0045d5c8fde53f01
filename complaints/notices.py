from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "complaint_assigned",
    _("Complaint %(number)s of %(customer)s is yours: “%(title)s”."),
)
register(
    "complaint_reopened",
    _("Complaint %(number)s of %(customer)s was reopened by %(by)s: %(reason)s"),
)
register(
    "complaint_response_breached",
    _("Complaint %(number)s of %(customer)s missed its response time: “%(title)s”."),
)
register(
    "complaint_resolution_breached",
    _("Complaint %(number)s of %(customer)s missed its resolution time: “%(title)s”."),
)
register(
    "complaint_response_breached_team",
    _("Complaint %(number)s of %(customer)s missed its response time: “%(title)s”."),
    manager_alert=True,
)
register(
    "complaint_resolution_breached_team",
    _("Complaint %(number)s of %(customer)s missed its resolution time: “%(title)s”."),
    manager_alert=True,
)
