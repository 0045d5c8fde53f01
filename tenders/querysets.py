"""Who sees which tender: exactly who sees its deal (``opportunity_scope``)."""

from django.db import models

from opportunities.querysets import opportunity_scope


class TenderQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user, prefix="opportunity__"))

    def for_list(self):
        return self.select_related("opportunity", "opportunity__customer", "opportunity__owner")


class TenderTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user, prefix="tender__opportunity__"))
