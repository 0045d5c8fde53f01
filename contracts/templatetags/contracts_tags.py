"""``{% deal_commercials opportunity user %}``: the deal page's "Quotes and contract" section,
so the opportunities app (upstream) never has to import contracts."""

from django import template

from .. import services
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
    # The buttons are the rules the services ask (services.new_quote_action, new_contract_action).
    return {
        "opportunity": opportunity,
        "quotes": quotes,
        "contract": contract,
        "can_quote": bool(services.new_quote_action(user, opportunity)),
        "can_draft": bool(
            services.new_contract_action(user, opportunity, live=contract is not None)
        ),
    }
