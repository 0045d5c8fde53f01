"""``{% deal_tenders opportunity user %}``: the deal page's "Tenders" section, so the
opportunities app (upstream) never has to import tenders."""

from django import template

from ..models import ACTIVE_STATES, Tender
from ..rules import may_open_tender

register = template.Library()


@register.inclusion_tag("tenders/_deal_tenders.html")
def deal_tenders(opportunity, user) -> dict:
    tenders = list(Tender.objects.filter(opportunity_id=opportunity.pk).order_by("-created_at"))
    return {
        "opportunity": opportunity,
        "tenders": tenders,
        "can_open": may_open_tender(user, opportunity)
        and not any(t.state in ACTIVE_STATES for t in tenders),
    }
