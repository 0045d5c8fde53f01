from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "ltc.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from django.conf import settings

        from .context import connect_task_signals
        from .tracker import track_from_settings

        track_from_settings(getattr(settings, "LTC_AUDITED_FIELDS", {}))
        connect_task_signals()
