"""Orders, units and revenue are seen by whoever sees their contract (its deal's triangle and
managers; finance sees all)."""

from django.db import models

from ltc.org.models import Role
from opportunities.querysets import managed_deal_scope, opportunity_scope

DEAL = "order__contract__opportunity__"


def _contract_scope(user, prefix: str):
    if user.is_superuser or user.role in {Role.FINANCE, Role.ADMIN, Role.INTEGRATION}:
        return models.Q()
    return opportunity_scope(user, prefix=f"{prefix}opportunity__")


def delivery_scope(user, prefix: str = DEAL) -> models.Q:
    """The deals ``user`` delivers: those where they are the FR, and those a manager above them
    manages (the queryset form of ``delivery.rules.delivers``)."""
    managed = managed_deal_scope(user, prefix)
    if managed == models.Q():
        return managed
    return models.Q(**{f"{prefix}fulfillment_owner": user}) | managed


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_contract_scope(user, "contract__"))


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_contract_scope(user, "order__contract__"))

    def actionable_by(self, user, name: str):
        """The units ``user`` may ``name`` now (ship, accept, correct): the queryset form of
        ``delivery.rules.unit_actions``, held to it by tests/delivery/test_order_actions.py."""
        from .models import OrderState, UnitState

        if name == "correct":
            return self.filter(managed_deal_scope(user, DEAL), state=UnitState.ACCEPTED).exclude(
                order__state=OrderState.CLOSED
            )
        state = {"ship": UnitState.PLANNED, "accept": UnitState.SHIPPED}[name]
        return self.filter(delivery_scope(user), state=state)


class RevenueQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_contract_scope(user, "contract__"))
