"""The permission table of delivery units (the roles and the rules are in
test_delivery_permissions.py's docstring): role × action → HTTP status.

One unit per state the actions need is built once for the module, and every cell runs in a
savepoint rolled back after it (``module_db``), so each cell starts from the same rows."""

from types import SimpleNamespace

import pytest

from delivery.models import DeliveryUnit, Order, RevenueEntry

from ..conftest import ROLES, Org
from .test_delivery_permissions import EXPECTED, UNIT_ACTIONS, unit_in


@pytest.fixture(scope="module")
def built(module_db):
    with module_db.unblock():
        org = Org()
        units = {state: unit_in(org, state) for state, _ in UNIT_ACTIONS.values()}
    return SimpleNamespace(org=org, units=units)


@pytest.fixture
def org(built, db):
    return built.org


@pytest.mark.parametrize("action", list(UNIT_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_delivery_unit_permission_table(built, api, role, action):
    state, call = UNIT_ACTIONS[action]
    unit = built.units[state]
    revenue = RevenueEntry.objects.count()
    response = call(api(role), unit)
    assert response.status_code == EXPECTED[role][action], response.content
    if response.status_code >= 400:
        fresh = DeliveryUnit.objects.get(pk=unit.pk)
        assert (fresh.state, fresh.certificate) == (unit.state, unit.certificate)
        assert RevenueEntry.objects.count() == revenue


# Partner users: every delivery action is a 404, and the querysets give them nothing.
@pytest.mark.parametrize("action", list(UNIT_ACTIONS))
def test_a_partner_user_gets_404_for_every_delivery_action(built, api, partner_org, action):
    state, call = UNIT_ACTIONS[action]
    assert call(api("partner"), built.units[state]).status_code == 404
    for model in (Order, DeliveryUnit, RevenueEntry):
        assert not model.objects.visible_to(built.org.partner).exists()
