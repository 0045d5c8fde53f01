from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for the embedded start ``seed_demo``; reads every app, none reads it."""

    name = "ltc.demo"
    label = "demo"
    verbose_name = _("Demo data")
