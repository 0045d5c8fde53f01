from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from ltc.activity.subjects import register

        from . import (  # noqa: F401  texts, review listener, panels, digest section
            digest,
            notices,
            receivers,
            workbench,
        )
        from .models import Contract

        register("contract", Contract, url_name="contracts:contract_detail")
