from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register
from ltc.org.models import Role

from .models import UnitState
from .selectors import units_to_deliver

ROWS = 8


@register
def delivery_panels(user) -> list[dict]:
    if user.role not in {Role.DELIVERY, Role.MANAGER}:
        return []
    units = units_to_deliver(user).order_by("state", "order__order_date", "id")[:ROWS]
    return [
        {
            "title": _("Units to ship or to have accepted"),
            "items": [
                {
                    "url": reverse("delivery:order_detail", args=[unit.order_id]),
                    "text": f"{unit.order.number} · {unit.name}",
                    "note": _("to accept") if unit.state == UnitState.SHIPPED else _("to ship"),
                }
                for unit in units
            ],
            "url": reverse("delivery:mine"),
            "empty": _("No unit waits for you."),
        }
    ]
