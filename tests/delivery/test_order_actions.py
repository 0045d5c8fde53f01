"""What a user may do with an order and its delivery units is one function each
(``delivery.rules.order_actions``, ``unit_actions``): the order page's buttons are its answers,
the services refuse with its sentence and its missing items, the API answers 403/409 from it,
and the queue of units waiting for the user (``DeliveryUnit.objects.actionable_by``, read by
"My deliveries" and the workbench) lists exactly the units it allows."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delivery import rules, services
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from ltc.core.errors import NotAllowed, TransitionRefused
from ltc.org.models import Role, User
from opportunities.models import Opportunity

from ..contracts.steps import signed, signing_deal
from ..factories import UserFactory
from ..profiles import examples
from .steps import order, units_of
from .test_delivery_scope import team2_contract

UNITS = "/api/v1/delivery-units/"
ROLES = ["rep1", "manager", "delivery", "finance", "admin", "solution"]


@pytest.fixture
def placed(org, contract):
    """rep1's order of three units: one planned, one shipped, one accepted."""
    made = order(contract, org.delivery, amounts=("1000", "2000", "3000"))
    _planned, shipped, accepted = units_of(made)
    services.ship_unit(unit=shipped, by=org.delivery)
    services.ship_unit(unit=accepted, by=org.delivery)
    services.accept_unit(unit=accepted, by=org.delivery, certificate="AC-1")
    return made


@pytest.mark.parametrize("name", ROLES)
def test_the_order_page_draws_its_buttons_from_the_actions(org, browser_as, placed, name):
    user = getattr(org, name)
    page = browser_as(name).get(reverse("delivery:order_detail", args=[placed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    fresh = Order.objects.get(pk=placed.pk)
    offered = {"ship": "delivery:unit_ship", "accept": "delivery:unit_accept"}
    offered["correct"] = "delivery:unit_correct"
    for unit in units_of(fresh):
        actions = rules.unit_actions(user, unit)
        for name_, url in offered.items():
            shown = f'action="{reverse(url, args=[unit.pk])}"' in html
            assert shown == bool(actions[name_]), (name, unit.state, name_)
    order_actions = rules.order_actions(user, fresh)
    assert page.context["can_deliver"] == bool(order_actions["ship"])
    assert page.context["can_correct"] == bool(order_actions["correct"])


# role -> (ship, accept, correct) of the units of rep1's team 1 deal, whatever their state
WHO = {
    "rep1": (False, False, False),
    "manager": (True, True, True),
    "delivery": (True, True, False),
    "finance": (False, False, False),
    "admin": (True, True, True),
    "solution": (False, False, False),
}


@pytest.mark.parametrize("name", ROLES)
def test_who_may_ship_accept_and_correct(org, placed, name):
    user = getattr(org, name)
    acts = rules.order_actions(user, Order.objects.get(pk=placed.pk))
    assert tuple(acts[a].refused is None for a in ("ship", "accept", "correct")) == WHO[name]


def test_a_refused_service_call_raises_the_actions_refusal(org, placed):
    planned, shipped, accepted = units_of(placed)
    with translation.override("en"):
        refused = rules.unit_actions(org.rep1, planned)["ship"]
        assert not refused and "ships its units" in str(refused.refused)
        with pytest.raises(NotAllowed) as caught:
            services.ship_unit(unit=planned, by=org.rep1)
        assert str(caught.value.detail) == str(refused.refused)

        state = rules.unit_actions(org.delivery, shipped)["ship"]
        assert state.refused is None and [m.code for m in state.missing] == ["state"]
        with pytest.raises(TransitionRefused) as caught:
            services.ship_unit(unit=shipped, by=org.delivery)
        assert caught.value.missing == list(state.missing)

        accept = rules.unit_actions(org.delivery, planned)["accept"]
        with pytest.raises(TransitionRefused) as caught:
            services.accept_unit(unit=planned, by=org.delivery, certificate="AC-2")
        assert caught.value.missing == list(accept.missing)

        correct = rules.unit_actions(org.delivery, accepted)["correct"]
        with pytest.raises(NotAllowed) as caught:
            services.correct_acceptance(unit=accepted, by=org.delivery, reason="Wrong site")
        assert str(caught.value.detail) == str(correct.refused)


def test_the_contract_page_offers_a_new_order_by_the_same_rule(org, contract):
    for name in ("rep1", "solution", "finance", "delivery", "admin"):
        user = getattr(org, name)
        place = rules.contract_order_actions(user, contract)["place"]
        if not place:
            with pytest.raises(NotAllowed) as caught:
                order(contract, user)
            assert str(caught.value.detail) == str(place.refused)
        else:
            order(contract, user, number=f"PO-{name}")


def test_the_api_answers_403_and_409_from_the_actions(org, api, placed):
    planned, shipped, _accepted = units_of(placed)
    with translation.override("en"):
        refused = rules.unit_actions(org.rep1, planned)["ship"]
        answer = api("rep1").post(f"{UNITS}{planned.pk}/ship/", {}, format="json")
        assert answer.status_code == 403
        assert answer.json()["detail"] == str(refused.refused)

        missing = rules.unit_actions(org.delivery, shipped)["ship"]
        answer = api("delivery").post(f"{UNITS}{shipped.pk}/ship/", {}, format="json")
        assert answer.status_code == 409
        assert answer.json()["missing"] == missing.as_dict()["missing"]


# The queryset form agrees with the rule on random units ------------------------------------
DEALS = ["team1", "team1-moved-to-team2", "team2"]
ACTORS = ["admin", "manager", "leader2", "director", "rep1", "rep3", "delivery", "fr2", "finance"]

units = st.lists(
    st.tuples(
        st.sampled_from(DEALS),
        st.sampled_from(list(UnitState.values)),
    ),
    min_size=1,
    max_size=8,
)
closed_orders = st.sets(st.sampled_from(DEALS))


@pytest.fixture
def world(org, contract):
    director = UserFactory(username="director", role=Role.MANAGER, team=org.region)
    org.region.leader = director
    org.region.save()
    other, fr2 = team2_contract(org)
    moved = signed(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    Opportunity.objects.filter(pk=moved.opportunity_id).update(team=org.team2)
    orders = {
        "team1": order(contract, org.delivery),
        "team1-moved-to-team2": order(moved, org.delivery),
        "team2": order(other, fr2),
    }
    people = {name: getattr(org, name, None) for name in ACTORS}
    people.update(director=director, leader2=User.objects.get(username="manager2"), fr2=fr2)
    return people, orders


@settings(
    max_examples=examples(30),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=units, closed=closed_orders)
def test_the_delivery_queue_lists_exactly_what_the_rule_allows(world, specs, closed):
    people, orders = world
    with transaction.atomic():
        for deal in closed:
            Order.objects.filter(pk=orders[deal].pk).update(state=OrderState.CLOSED)
        made = [
            DeliveryUnit.objects.create(
                order=orders[deal], name=f"U{i}", amount=Decimal("1"), state=state
            )
            for i, (deal, state) in enumerate(specs)
        ]
        ids = [unit.pk for unit in made]
        fresh = list(DeliveryUnit.objects.filter(pk__in=ids).select_related("order"))
        for name, user in people.items():
            user = User.objects.get(pk=user.pk)  # no team tree cached across examples
            for action in ("ship", "accept", "correct"):
                listed = set(
                    DeliveryUnit.objects.filter(pk__in=ids)
                    .actionable_by(user, action)
                    .values_list("pk", flat=True)
                )
                allowed = {u.pk for u in fresh if rules.unit_actions(user, u)[action]}
                assert listed == allowed, (name, action, specs, closed)
        transaction.set_rollback(True)


def test_the_order_form_says_who_may_place_an_order_before_it_is_sent(org, browser_as, contract):
    url = reverse("delivery:order_create", args=[contract.pk])
    with translation.override("en"):
        for name in ("solution", "rep1"):
            place = rules.contract_order_actions(getattr(org, name), contract)["place"]
            html = browser_as(name).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
            assert (escape(str(place.refused)) in html) == (name == "solution")
