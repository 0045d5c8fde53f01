"""The permission tables of quotes, contracts and change requests (the roles and the rules are in
test_contract_permissions.py's docstring): role × action → HTTP status.

Each cell of a table acts on a record in the state the action needs. The records are built once
for the module (one contract per state, one change request per state, one quote per kind), and
every cell runs in a savepoint that is rolled back after it (``module_db``), so each cell still
starts from the same rows, without building the whole chain 300 times."""

from types import SimpleNamespace

import pytest

from contracts.models import Contract, Quote

from ..conftest import ROLES, Org
from .test_contract_permissions import (
    CHANGE_ACTIONS,
    CHANGE_EXPECTED,
    CHANGES,
    CONTRACT_ACTIONS,
    CONTRACTS,
    EXPECTED,
    QUOTE_ACTIONS,
    QUOTE_EXPECTED,
    QUOTES,
    _change_in,
    _quote,
)
from .test_contracts_api import contract_in


@pytest.fixture(scope="module")
def built(module_db):
    with module_db.unblock():
        org = Org()
        contracts = {state: contract_in(org, state) for state, _ in CONTRACT_ACTIONS.values()}
        changes = {
            state: _change_in(org, contract_in(org, "signed"), state)
            for state, _ in CHANGE_ACTIONS.values()
        }
        quotes = {kind: _quote(org, *kind) for kind, _ in QUOTE_ACTIONS.values()}
    return SimpleNamespace(org=org, contracts=contracts, changes=changes, quotes=quotes)


@pytest.fixture
def org(built, db):
    return built.org


@pytest.mark.parametrize("action", list(CONTRACT_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_contract_permission_table(built, api, role, action):
    state, call = CONTRACT_ACTIONS[action]
    contract = built.contracts[state]
    response = call(api(role), f"{CONTRACTS}{contract.pk}/")
    assert response.status_code == EXPECTED[role][action], response.content
    if response.status_code >= 400:
        fresh = Contract.objects.get(pk=contract.pk)
        assert (fresh.state, fresh.title, fresh.version) == (
            contract.state,
            contract.title,
            contract.version,
        )
        assert not fresh.changes.exists() or action == "changes_list"


@pytest.mark.parametrize("action", list(CHANGE_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_change_request_permission_table(built, api, role, action):
    state, call = CHANGE_ACTIONS[action]
    change = built.changes[state]
    response = call(api(role), f"{CHANGES}{change.pk}/")
    assert response.status_code == CHANGE_EXPECTED[role][action], response.content
    if response.status_code >= 400:
        change.refresh_from_db()
        assert change.state == state
        assert Contract.objects.get(pk=change.contract_id).version == 1


@pytest.mark.parametrize("action", list(QUOTE_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_quote_permission_table(built, api, role, action):
    (discount, submitted), call = QUOTE_ACTIONS[action]
    quote = built.quotes[(discount, submitted)]
    response = call(api(role), f"{QUOTES}{quote.pk}/")
    assert response.status_code == QUOTE_EXPECTED[role][action], response.content
    if response.status_code >= 400:
        quote.refresh_from_db()
        assert quote.notes == "" and quote.state == ("pending_approval" if submitted else "draft")
        assert not quote.opportunity.quotes.exclude(pk=quote.pk).exists()


# Partner users: every contract action is a 404, and the querysets give them nothing.
@pytest.mark.parametrize("action", list(CONTRACT_ACTIONS))
def test_a_partner_user_gets_404_for_every_contract_action(built, api, partner_org, action):
    state, call = CONTRACT_ACTIONS[action]
    contract = built.contracts[state]
    assert call(api("partner"), f"{CONTRACTS}{contract.pk}/").status_code == 404
    assert not Contract.objects.visible_to(built.org.partner).exists()
    assert not Quote.objects.visible_to(built.org.partner).exists()
