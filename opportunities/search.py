from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.search.registry import Hit, register

from .models import Opportunity


@register(kind=_("Opportunities"), order=30)
def find_opportunities(user, query: str, limit: int) -> list[Hit]:
    rows = (
        Opportunity.objects.visible_to(user)
        .filter(Q(name__icontains=query) | Q(customer__name__icontains=query))
        .select_related("customer")
        .order_by("-id")[:limit]
    )
    return [
        Hit(
            o.name,
            reverse("opportunities:detail", args=[o.pk]),
            f"{o.customer.name} · {o.grade} · {o.get_state_display()}",
        )
        for o in rows
    ]
