from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from ltc.activity.subjects import register
        from ltc.customers.querysets import register_scope

        from . import notices, workbench  # noqa: F401  register texts and workbench panels
        from .models import Opportunity
        from .services import complete_planned_activity

        register(
            "opportunity",
            Opportunity,
            url_name="opportunities:detail",
            complete=complete_planned_activity,
        )

        # Customers of the deals whose iron triangle (or team) the user is in are theirs to see.
        register_scope(lambda user: Opportunity.objects.visible_to(user).values("customer_id"))

        # The customer pool (ltc.customers.pool): a customer with an open deal stays with its
        # owner, and an activity its owner logs on a deal touches the deal's customer.
        from ltc.customers.pool import register_hold, register_touch_source

        register_hold(
            "open_deal",
            _("The customer has an open deal"),
            lambda: Opportunity.objects.filter(state="open").values("customer_id"),
        )
        register_touch_source(
            Opportunity, lambda pk: Opportunity.objects.filter(pk=pk).values("customer_id")
        )

        # Its timeline names stages and tasks, not their codes.
        from ltc.activity import sentences

        from . import timeline

        sentences.register(Opportunity._meta.label, timeline.labels)
