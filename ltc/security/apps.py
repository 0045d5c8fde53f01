from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "ltc.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self):
        from . import checks, schema, signals  # noqa: F401 - checks, OpenAPI scheme, receivers
