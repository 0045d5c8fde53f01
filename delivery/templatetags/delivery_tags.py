"""``{% contract_orders contract user %}``: the contract page's "Orders" section, so the contracts
app (upstream) never has to import delivery."""

from django import template

from contracts.models import ACTIVE_STATES

from .. import rules, services
from ..models import Order

register = template.Library()


@register.inclusion_tag("delivery/_contract_orders.html")
def contract_orders(contract, user) -> dict:
    orders = list(Order.objects.filter(contract_id=contract.pk).order_by("order_date", "id"))
    is_active = contract.state in ACTIVE_STATES
    place = rules.contract_order_actions(user, contract)["place"]  # the rule create_order asks
    return {
        "contract": contract,
        "orders": orders,
        "ordered": sum(order.amount for order in orders),
        "remaining": services.remaining_amount(contract) if is_active else None,
        "is_active": is_active,
        "show": is_active or bool(orders),
        "can_order": bool(place),
    }
