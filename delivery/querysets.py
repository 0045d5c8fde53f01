"""Orders, units and revenue are seen by whoever sees their contract (its deal's triangle and
managers; finance sees all)."""

from django.db import models

from ltc.org.models import Role
from opportunities.querysets import opportunity_scope


def _contract_scope(user, prefix: str):
    if user.is_superuser or user.role in {Role.FINANCE, Role.ADMIN, Role.INTEGRATION}:
        return models.Q()
    return opportunity_scope(user, prefix=f"{prefix}opportunity__")


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_contract_scope(user, "contract__"))


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_contract_scope(user, "order__contract__"))


class RevenueQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_contract_scope(user, "contract__"))
