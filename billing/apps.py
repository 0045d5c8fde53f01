from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from ltc.activity.subjects import register

        from . import notices, workbench  # noqa: F401  register notices and workbench panels
        from .models import Invoice

        register("invoice", Invoice, url_name="billing:invoice_detail")
        from .services import register_contract_checks

        # A contract closes only when its orders are invoiced and paid and no invoice is open.
        register_contract_checks()
