from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.search.registry import Hit, register

from .models import Contract


@register(kind=_("Contracts"), order=40)
def find_contracts(user, query: str, limit: int) -> list[Hit]:
    rows = (
        Contract.objects.visible_to(user)
        .filter(
            Q(number__icontains=query)
            | Q(title__icontains=query)
            | Q(customer__name__icontains=query)
        )
        .select_related("customer")
        .order_by("-id")[:limit]
    )
    return [
        Hit(
            f"{c.number} · {c.title}",
            reverse("contracts:contract_detail", args=[c.pk]),
            f"{c.customer.name} · {c.get_state_display()}",
        )
        for c in rows
    ]
