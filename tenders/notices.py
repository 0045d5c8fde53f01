from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register("tender_task", _("%(by)s gave you a task on tender %(number)s: %(task)s."))
register(
    "tender_deadline",
    _("Tender %(number)s of “%(name)s” is due %(due)s; open tasks: %(open)s."),
)
