from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self):
        from ltc.activity.subjects import register

        from . import digest, notices, workbench  # noqa: F401  texts, panels, digest section
        from .models import Lead
        from .services import complete_planned_follow_up

        register("lead", Lead, url_name="leads:detail", complete=complete_planned_follow_up)
