"""Who may do what with an order and its delivery units: the one rule each, asked by the
services (``require``), the order and contract pages' buttons, the API's 403/409 and the queue
of units waiting for the user (``DeliveryUnit.objects.actionable_by``, its queryset form,
tests/delivery/test_order_actions.py holds the two together on random data).

The money rules (an order fits in what is left of its contract, a correction keeps the invoices
covered) are computed by the services under lock and added to the refusal there."""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from contracts.models import ACTIVE_STATES, Contract
from ltc.core.actions import Action, action
from ltc.core.errors import Missing
from ltc.core.fsm import unmet
from ltc.org.models import Role
from opportunities.services import manages_deal, works_on

from .models import DeliveryUnit, Order, OrderState, UnitState

ORDER_ENTRY_ROLES = {Role.REP, Role.MANAGER, Role.DELIVERY, Role.ADMIN, Role.INTEGRATION}
COMPANY_WIDE = {Role.ADMIN, Role.INTEGRATION}

SHIP_REFUSED = _("The FR of the deal (or a manager) ships its units.")
ACCEPT_REFUSED = _("The FR of the deal (or a manager) accepts its units.")
CORRECT_REFUSED = _("Only a manager corrects an acceptance.")


# Who may do what ----------------------------------------------------------------------------
def delivers(user, contract: Contract) -> bool:
    """The FR of the deal, or a manager above it, ships and accepts."""
    opportunity = contract.opportunity
    return user.pk == opportunity.fulfillment_owner_id or manages_deal(user, opportunity)


def _order_entry_refused(user, contract: Contract):
    if not (user.is_superuser or user.role in ORDER_ENTRY_ROLES):
        return _("Your role may not enter orders.")
    if user.is_superuser or user.role in COMPANY_WIDE or works_on(user, contract.opportunity):
        return None
    return _("Only the deal's iron triangle and its managers enter its orders.")


def contract_order_actions(user, contract: Contract) -> dict[str, Action]:
    """What ``user`` may do with the orders of ``contract``: place one (a role that enters
    orders, and the deal's iron triangle and its managers, or company-wide, under a signed or
    executing contract)."""
    refused = _order_entry_refused(user, contract)
    inactive = (
        []
        if contract.state in ACTIVE_STATES
        else [Missing("contract_signed", _("The contract is signed or executing"))]
    )
    return {
        "place": action(
            "place", refused is None, refused, inactive, _("The order cannot be placed.")
        ),
    }


def order_actions(user, order: Order) -> dict[str, Action]:
    """What ``user`` may do with the units of ``order``: the deal's FR or a manager above it
    ships and accepts them; a manager above the deal corrects an acceptance while the order is
    not closed. Each unit's own state is added by ``unit_actions``."""
    contract = order.contract
    delivering = delivers(user, contract)
    closed = (
        [Missing("order_closed", _("The order is not closed"))]
        if order.state == OrderState.CLOSED
        else []
    )
    return {
        "ship": action("ship", delivering, SHIP_REFUSED),
        "accept": action("accept", delivering, ACCEPT_REFUSED),
        "correct": action(
            "correct",
            manages_deal(user, contract.opportunity),
            CORRECT_REFUSED,
            closed,
            _("Only an accepted unit can be corrected."),
        ),
    }


def _not_shipped(unit: DeliveryUnit) -> list[Missing]:
    if unit.state == UnitState.SHIPPED:
        return []
    return [
        Missing(
            f"unit_{unit.pk}",
            _("%(unit)s is shipped (it is “%(state)s”)")
            % {"unit": unit.name, "state": unit.get_state_display()},
        )
    ]


def unit_actions(user, unit: DeliveryUnit, on_order: dict | None = None) -> dict[str, Action]:
    """What ``user`` may do with the unit: ``order_actions`` (``on_order``, when the caller has
    them for the unit's order) with the unit's state: ship a planned unit, accept a shipped one,
    correct an accepted one."""
    on_order = on_order or order_actions(user, unit.order)
    correct = on_order["correct"]
    return {
        "ship": replace(
            on_order["ship"],
            missing=tuple(unmet(unit, "ship")),
            detail=_("The unit cannot be shipped."),
        ),
        "accept": replace(
            on_order["accept"],
            missing=tuple(_not_shipped(unit)),
            detail=_("The units cannot be accepted."),
        ),
        "correct": replace(correct, missing=(*unmet(unit, "correct"), *correct.missing)),
    }
