from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.search.registry import Hit, register

from .models import Order


@register(kind=_("Orders"), order=50)
def find_orders(user, query: str, limit: int) -> list[Hit]:
    rows = (
        Order.objects.visible_to(user)
        .filter(number__icontains=query)
        .select_related("contract")
        .order_by("-id")[:limit]
    )
    return [
        Hit(
            o.number,
            reverse("delivery:order_detail", args=[o.pk]),
            f"{o.contract.number} · {o.get_state_display()}",
        )
        for o in rows
    ]
