from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.search.registry import Hit, register

from .models import Invoice


@register(kind=_("Invoices"), order=60)
def find_invoices(user, query: str, limit: int) -> list[Hit]:
    rows = (
        Invoice.objects.visible_to(user)
        .filter(number__icontains=query)
        .exclude(number="")
        .select_related("customer")
        .order_by("-id")[:limit]
    )
    return [
        Hit(
            i.number,
            reverse("billing:invoice_detail", args=[i.pk]),
            f"{i.customer.name} · {i.get_state_display()}",
        )
        for i in rows
    ]
