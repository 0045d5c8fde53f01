from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "ltc.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from django.db.models.signals import post_save

        from ltc.activity.models import Activity
        from ltc.activity.subjects import register

        from . import digest, notices  # noqa: F401  register the texts and the digest section
        from .models import Customer

        register("customer", Customer, url_name="customers:detail")
        post_save.connect(_activity_touches_customers, sender=Activity, dispatch_uid="custpool")


def _activity_touches_customers(sender, instance, created, **kwargs):
    """An activity its owner logs on a customer (or on a deal of it) restarts its pool clock."""
    if created:
        from .pool import touched_by_activity

        touched_by_activity(instance)
