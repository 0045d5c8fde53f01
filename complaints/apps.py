from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # notice kinds, the customer page's section, the workbench panel
        from . import notices, sections, workbench  # noqa: F401
