from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.search.registry import Hit, register

from .models import Customer


@register(kind=_("Customers"), order=10)
def find_customers(user, query: str, limit: int) -> list[Hit]:
    rows = (
        Customer.objects.visible_to(user)
        .filter(Q(name__icontains=query) | Q(contacts__name__icontains=query))
        .distinct()
        .order_by("name", "id")[:limit]
    )
    return [
        Hit(
            c.name,
            reverse("customers:detail", args=[c.pk]),
            " · ".join(filter(None, [c.industry, c.region])),
        )
        for c in rows
    ]
