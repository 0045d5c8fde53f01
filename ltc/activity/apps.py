from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    name = "ltc.activity"
    label = "activity"
    verbose_name = _("Activity")

    def ready(self):
        from . import notices, workbench  # noqa: F401  the "My day" panel

        notices.register_own()
