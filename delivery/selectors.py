"""Read-side queries of the delivery pages and the workbench: what waits for whom."""

from __future__ import annotations

from django.db.models import Q

from ltc.org.models import Role
from ltc.org.scoping import managed_team_ids, managed_users

from .models import DeliveryUnit, UnitState


def delivery_scope(user, prefix: str = "order__contract__opportunity__") -> Q:
    """The deals whose units wait for ``user``: those where they are the FR, and for a manager
    those of the teams they manage (an admin's: all)."""
    if user.is_superuser or user.role == Role.ADMIN:
        return Q()
    scope = Q(**{f"{prefix}fulfillment_owner": user})
    if managed_team_ids(user):
        scope |= Q(**{f"{prefix}team_id__in": managed_team_ids(user)}) | Q(
            **{f"{prefix}owner__in": managed_users(user)}
        )
    return scope


def units_to_deliver(user):
    """Units planned (to ship) or shipped (to accept) of the deals ``user`` delivers."""
    return (
        DeliveryUnit.objects.visible_to(user)
        .filter(delivery_scope(user), state__in=[UnitState.PLANNED, UnitState.SHIPPED])
        .select_related("order", "order__contract", "order__contract__customer")
    )
