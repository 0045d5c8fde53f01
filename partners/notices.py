from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "registration_submitted",
    _("%(partner)s registered “%(project)s” for %(customer)s: your decision is needed."),
)
register(
    "registration_conflict",
    _(
        "%(partner)s registered “%(project)s” for %(customer)s; it conflicts with %(count)s record(s)."
    ),
)
register(
    "registration_decided",
    _("Your registration “%(project)s” for %(customer)s was %(decision)s."),
)
register(
    "registration_expired",
    _("The protection of “%(project)s” for %(customer)s (%(partner)s) has expired."),
)
