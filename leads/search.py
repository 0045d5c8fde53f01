from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.numbers import whole_number
from ltc.search.registry import Hit, register

from .models import Lead


@register(kind=_("Leads"), order=20)
def find_leads(user, query: str, limit: int) -> list[Hit]:
    match = (
        Q(title__icontains=query)
        | Q(company_name__icontains=query)
        | Q(contact_name__icontains=query)
        | Q(phone__icontains=query)
        | Q(email__icontains=query)
    )
    if (number := whole_number(query.lstrip("#"))) is not None:
        match |= Q(pk=number)
    rows = Lead.objects.visible_to(user).filter(match).order_by("-created_at", "-id")[:limit]
    return [
        Hit(
            lead.title,
            reverse("leads:detail", args=[lead.pk]),
            f"{lead.company_name} · {lead.get_state_display()}",
        )
        for lead in rows
    ]
