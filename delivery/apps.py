from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Delivery")

    def ready(self):
        from ltc.activity.subjects import register

        from . import workbench  # noqa: F401  register the workbench panels
        from .models import Order

        register("order", Order, url_name="delivery:order_detail")
        from .services import register_contract_checks

        # A contract's amount never drops below its orders; it closes only when they are delivered.
        register_contract_checks()
