"""Who sees which order, unit and revenue entry: whoever sees the contract — the deal's iron
triangle and the managers above it; finance, admin and integration see every one."""

import pytest

from contracts import services as contracts
from delivery import services
from delivery.models import DeliveryUnit, Order, RevenueEntry
from ltc.org.models import Role
from opportunities import services as deals

from ..conftest import ROLES
from ..contracts.steps import draft, signing_deal, team2_manager
from ..factories import UserFactory
from .steps import order, units_of

# role → (sees team 1's order, units and revenue; sees team 2's)
SEES = {
    "admin": (True, True),
    "manager": (True, False),
    "marketing": (False, False),
    "rep1": (True, False),
    "rep2": (False, False),
    "rep3": (False, True),
    "solution": (True, False),
    "delivery": (True, False),
    "finance": (True, True),
    "integration": (True, True),
}
assert set(SEES) == set(ROLES)


def team2_contract(org):
    """rep3's team 2 deal, with its own SR and FR, signed after its team leader approved it."""
    leader = team2_manager(org)
    sr = UserFactory(username="solution2", role=Role.SOLUTION, team=org.team2)
    fr = UserFactory(username="delivery2", role=Role.DELIVERY, team=org.team2)
    deal = signing_deal(org.rep3, solution=sr, delivery=fr)
    contract = contracts.submit_contract(
        contract=draft(deal, org.rep3), by=org.rep3, relationship_assessment="Known customer"
    )
    deals.assess_review(review=contract.review, user=sr, solution_assessment="Fits")
    deals.assess_review(review=contract.review, user=fr, delivery_assessment="On time")
    contract = contracts.decide_contract(contract=contract, by=leader, approve=True)
    return contracts.sign_contract(contract=contract, by=org.rep3), fr


def delivered_one_unit(contract, fr):
    """An order of two units, the first shipped and accepted (so it has a revenue entry)."""
    placed = order(contract, fr)
    first = units_of(placed)[0]
    services.ship_unit(unit=first, by=fr)
    services.accept_unit(unit=first, by=fr, certificate="AC-1")
    return placed


@pytest.fixture
def books(org, contract):
    """Team 1's order (rep1's deal) and team 2's order (rep3's deal), each with revenue."""
    mine = delivered_one_unit(contract, org.delivery)
    other_contract, other_fr = team2_contract(org)
    other = delivered_one_unit(other_contract, other_fr)
    return mine, other


def seen(user):
    return (
        set(Order.objects.visible_to(user)),
        set(DeliveryUnit.objects.visible_to(user)),
        set(RevenueEntry.objects.visible_to(user)),
    )


def records_of(placed):
    return {placed}, set(units_of(placed)), set(RevenueEntry.objects.filter(order=placed))


@pytest.mark.parametrize("role", ROLES)
def test_orders_units_and_revenue_are_seen_within_the_deals_scope(org, books, role):
    mine, other = books
    sees_mine, sees_other = SEES[role]

    orders, units, revenue = seen(org.user(role))

    for records, expected in ((records_of(mine), sees_mine), (records_of(other), sees_other)):
        my_orders, my_units, my_revenue = records
        assert len(my_units) == 2 and len(my_revenue) == 1
        assert (my_orders <= orders, my_units <= units, my_revenue <= revenue) == (expected,) * 3
        assert (my_orders & orders, my_units & units, my_revenue & revenue) == (
            records if expected else (set(), set(), set())
        )


def test_the_team_2_deals_triangle_and_leader_see_only_its_records(org, books):
    mine, other = books
    for name in ("manager2", "solution2", "delivery2"):
        user = type(org.rep3).objects.get(username=name)

        assert seen(user) == records_of(other)


def test_a_leader_above_both_teams_sees_both_teams_records(org, books):
    mine, other = books
    director = UserFactory(username="director", role=Role.MANAGER, team=org.region)
    org.region.leader = director
    org.region.save()

    orders, units, revenue = seen(director)

    assert orders == {mine, other}
    assert units == set(units_of(mine)) | set(units_of(other))
    assert revenue == set(RevenueEntry.objects.all())
