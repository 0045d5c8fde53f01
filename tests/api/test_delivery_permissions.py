"""Who may do what to orders and delivery units, as tables: role × action → HTTP status.

The deal is rep1's (team 1) with ``solution`` as SR and ``delivery`` as FR, its contract signed.
Orders, units and revenue are seen by whoever sees the contract (the triangle, the managers above
team 1, admins, integrations and finance); anyone else gets 404. Among those who see them, only
the FR and the managers above the deal (admins included) ship and accept; only a manager corrects
an acceptance; the triangle, the managers, admins and integrations enter orders.
"""

import pytest

from delivery import services
from delivery.models import DeliveryUnit, Order

from ..conftest import ROLES
from .test_contracts_api import contract_in
from .test_delivery_api import ORDERS, REVENUE, UNITS, order_body, placed_order, units_of

# action: (the unit's state before it, how it is called)
UNIT_ACTIONS = {
    "retrieve_order": ("planned", lambda c, unit: c.get(f"{ORDERS}{unit.order_id}/")),
    "retrieve_unit": ("planned", lambda c, unit: c.get(f"{UNITS}{unit.pk}/")),
    "ship": ("planned", lambda c, unit: c.post(f"{UNITS}{unit.pk}/ship/", {}, format="json")),
    "accept": (
        "shipped",
        lambda c, unit: c.post(f"{UNITS}{unit.pk}/accept/", {"certificate": "AC"}, format="json"),
    ),
    "accept_many": (
        "shipped",
        lambda c, unit: c.post(
            f"{UNITS}accept/", {"units": [unit.pk], "certificate": "AC"}, format="json"
        ),
    ),
    "correct": (
        "accepted",
        lambda c, unit: c.post(f"{UNITS}{unit.pk}/correct/", {"reason": "No"}, format="json"),
    ),
}
_READER = {"retrieve_order": 200, "retrieve_unit": 200}
# A unit the caller cannot see is not named in a bulk acceptance: 400 on "units".
_HIDDEN = {**dict.fromkeys(UNIT_ACTIONS, 404), "accept_many": 400}
_ONLY_READS = {**_READER, **{a: 403 for a in UNIT_ACTIONS if a not in _READER}}
_DELIVERS = {**_READER, "ship": 200, "accept": 200, "accept_many": 200}
EXPECTED = {
    "admin": {**_DELIVERS, "correct": 200},
    "manager": {**_DELIVERS, "correct": 200},
    "rep1": _ONLY_READS,  # the AR
    "rep2": _HIDDEN,  # same team, not in the triangle
    "rep3": _HIDDEN,  # another team
    "solution": _ONLY_READS,  # the SR
    "delivery": {**_DELIVERS, "correct": 403},  # the FR
    "finance": _ONLY_READS,  # sees every order, ships none
    "marketing": _HIDDEN,
    "integration": _ONLY_READS,
}


def unit_in(org, state: str) -> DeliveryUnit:
    order = placed_order(org)
    unit = units_of(order)[0]
    if state in {"shipped", "accepted"}:
        unit = services.ship_unit(unit=unit, by=org.delivery)
    if state == "accepted":
        unit = services.accept_unit(unit=unit, by=org.delivery, certificate="AC-0")
    return DeliveryUnit.objects.get(pk=unit.pk)


CREATE = {
    "admin": 201,
    "manager": 201,
    "rep1": 201,  # the AR
    "rep2": 400,  # the contract is not theirs to see: no such contract
    "rep3": 400,
    "solution": 403,  # sees it, but the SR does not enter orders
    "delivery": 201,  # the FR
    "finance": 403,
    "marketing": 400,
    "integration": 201,  # the ERP enters POs
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_enter_an_order(org, api, role):
    contract = contract_in(org, "signed")
    response = api(role).post(ORDERS, order_body(contract), format="json")
    assert response.status_code == CREATE[role], response.content
    assert Order.objects.filter(contract=contract).exists() == (CREATE[role] == 201)


@pytest.mark.parametrize(
    "role, visible",
    [
        ("admin", True),
        ("manager", True),
        ("rep1", True),
        ("rep2", False),
        ("rep3", False),
        ("solution", True),
        ("delivery", True),
        ("finance", True),
        ("marketing", False),
        ("integration", True),
    ],
)
def test_lists_show_exactly_the_visible_orders_units_and_revenue(org, api, role, visible):
    unit = unit_in(org, "accepted")
    client = api(role)
    expected = 1 if visible else 0
    assert client.get(ORDERS).json()["count"] == expected
    assert client.get(UNITS).json()["count"] == 2 * expected
    assert client.get(REVENUE).json()["count"] == expected
    summary = client.get(f"{REVENUE}summary/").json()
    assert len(summary["months"]) == expected
    assert client.get(f"{ORDERS}{unit.order_id}/").status_code == (200 if visible else 404)
