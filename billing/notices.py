from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "invoice_overdue",
    _("Invoice %(number)s is overdue since %(due)s: %(outstanding)s %(currency)s outstanding."),
)
