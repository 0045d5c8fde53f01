"""Who may do what to a complaint, as tables: role × action → HTTP status (the permission
matrix's row for complaints).

The complaint is on rep1's signed contract (team 1; ``solution`` is its SR, ``delivery`` its FR
and, by default, the complaint's owner). Whoever sees the contract sees the complaint (the
triangle, the managers above team 1, admins, integrations and finance); anyone else gets 404.
The owner and the managers above it start and resolve it; they and the customer's account owner
(rep1, who speaks with the customer) close it on the customer's confirmation and reopen it; only
a manager reassigns it. Finance reads.
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from complaints.models import Complaint

from ..complaints.steps import complaint_in
from ..conftest import ROLES, Org
from .test_contracts_api import contract_in

URL = "/api/v1/complaints/"


def _close_body():
    return {"confirmed_by": "Mr Li", "channel": "phone", "confirmed_at": timezone.now().isoformat()}


# action: (the complaint's state before it, how it is called)
ACTIONS = {
    "retrieve": ("open", lambda c, org, pk: c.get(f"{URL}{pk}/")),
    "start": ("open", lambda c, org, pk: c.post(f"{URL}{pk}/start/", {}, format="json")),
    "resolve": (
        "in_progress",
        lambda c, org, pk: c.post(f"{URL}{pk}/resolve/", {"resolution": "Fixed"}, format="json"),
    ),
    "close": (
        "resolved",
        lambda c, org, pk: c.post(f"{URL}{pk}/close/", _close_body(), format="json"),
    ),
    "reopen": (
        "closed",
        lambda c, org, pk: c.post(f"{URL}{pk}/reopen/", {"reason": "Not fixed"}, format="json"),
    ),
    "reassign": (
        "open",
        lambda c, org, pk: c.post(f"{URL}{pk}/reassign/", {"owner": org.rep1.pk}, format="json"),
    ),
}
HIDDEN = dict.fromkeys(ACTIONS, 404)
READS = {**dict.fromkeys(ACTIONS, 403), "retrieve": 200}
ACCOUNT_OWNER = {**READS, "close": 200, "reopen": 200}
OWNER = {**ACCOUNT_OWNER, "start": 200, "resolve": 200}
MANAGES = dict.fromkeys(ACTIONS, 200)
EXPECTED = {
    "admin": MANAGES,
    "manager": MANAGES,  # leads team 1
    "marketing": HIDDEN,  # sees customers, not contracts
    "rep1": ACCOUNT_OWNER,  # the AR and the customer's account owner
    "rep2": HIDDEN,  # same team, not in the triangle
    "rep3": HIDDEN,  # another team
    "solution": READS,  # the SR
    "delivery": OWNER,  # the FR, the complaint's owner
    "finance": READS,
    "integration": MANAGES,
}


@pytest.fixture(scope="module")
def built(module_db):
    """One complaint in each state the actions need, built once for the module; every cell runs
    in a savepoint of its own that is rolled back after it (``module_db``)."""
    with module_db.unblock():
        org = Org()
        complaints = {state: complaint_in(org, state) for state, _ in ACTIONS.values()}
        contract = contract_in(org, "signed")
    return SimpleNamespace(org=org, complaints=complaints, contract=contract)


@pytest.fixture
def org(built, db):
    return built.org.reloaded()


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_complaint_permission_table(built, org, api, role, action):
    state, call = ACTIONS[action]
    complaint = Complaint.objects.get(pk=built.complaints[state].pk)
    response = call(api(role), org, complaint.pk)
    assert response.status_code == EXPECTED[role][action], response.content
    if response.status_code >= 400:
        fresh = Complaint.objects.get(pk=complaint.pk)
        assert (fresh.state, fresh.owner_id) == (complaint.state, complaint.owner_id)


CREATE = {
    "admin": 201,
    "manager": 201,
    "rep1": 201,
    "rep2": 400,  # the contract is not theirs to see: no such contract
    "rep3": 400,
    "solution": 201,
    "delivery": 201,
    "finance": 403,  # reads complaints, opens none
    "marketing": 403,
    "integration": 201,  # a service desk files them
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_a_complaint_on_a_contract(built, org, api, role):
    contract = built.contract
    body = {"contract": contract.pk, "title": "Late", "category": "delivery", "severity": "low"}
    response = api(role).post(URL, body, format="json")
    assert response.status_code == CREATE[role], response.content
    assert Complaint.objects.filter(contract=contract).exists() == (CREATE[role] == 201)
