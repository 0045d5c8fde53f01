"""``{% deal_commercials opportunity user %}``: the deal page's "Quotes and contract" section,
so the opportunities app (upstream) never has to import contracts."""

from django import template

from opportunities import services as deals
from opportunities.models import OpportunityState

from ..models import Contract, ContractState, Quote

register = template.Library()


@register.inclusion_tag("contracts/_deal_commercials.html")
def deal_commercials(opportunity, user) -> dict:
    quotes = list(Quote.objects.filter(opportunity_id=opportunity.pk).order_by("-version"))
    contract = (
        Contract.objects.filter(opportunity_id=opportunity.pk)
        .exclude(state=ContractState.CANCELLED)
        .first()
    )
    is_open = opportunity.state == OpportunityState.OPEN
    in_signing = (is_open and opportunity.stage.is_signing) or (
        opportunity.state == OpportunityState.WON
    )
    return {
        "opportunity": opportunity,
        "quotes": quotes,
        "contract": contract,
        "can_quote": is_open and deals.works_on(user, opportunity),
        "can_draft": contract is None and in_signing and deals.may_steer(user, opportunity),
    }
