from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "ltc.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from ltc.activity.subjects import register

        from .models import Customer

        register("customer", Customer, url_name="customers:detail")
