from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ltc.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from . import tasks

        tasks.connect_signals()
