"""Who sees which quote and contract: the deal's scope (its iron triangle and the managers above
it); finance sees every contract, since invoicing runs against them."""

from django.db import models

from ltc.org.models import Role
from opportunities.querysets import opportunity_scope


class QuoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user, prefix="opportunity__"))


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.role == Role.FINANCE:
            return self.all()
        return self.filter(opportunity_scope(user, prefix="opportunity__"))

    def for_list(self):
        return self.select_related("customer", "opportunity", "opportunity__owner")
