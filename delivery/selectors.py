"""Read-side queries of the delivery pages and the workbench: what waits for whom."""

from __future__ import annotations

from .models import DeliveryUnit
from .querysets import delivery_scope

__all__ = ["delivery_scope", "units_to_deliver"]


def units_to_deliver(user):
    """Units ``user`` may ship (planned) or accept (shipped) now: ``unit_actions``' queryset
    form (``DeliveryUnit.objects.actionable_by``)."""
    units = DeliveryUnit.objects.visible_to(user)
    return (units.actionable_by(user, "ship") | units.actionable_by(user, "accept")).select_related(
        "order", "order__contract", "order__contract__customer"
    )
