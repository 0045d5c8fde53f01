from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Funnel dashboards: the figure definitions, sales targets, the dashboard pages and API.
    Reads every chain app; no app imports it."""

    name = "dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from . import (  # noqa: F401
            customer360,  # the customer page's sections (leads, deals, contracts… of a customer)
            workbench,  # the managers' funnel panel on the workbench
        )
