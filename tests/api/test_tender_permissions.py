"""Who may do what to a tender, as a table: role × action → HTTP status.

A tender has exactly its deal's scope. The deal is rep1's (team 1, bid preparation) with
``solution`` as SR and ``delivery`` as FR; its tender is being prepared, no price yet. Whoever
sees the deal sees the tender (the triangle, the managers above team 1, admins and integrations);
anyone else gets 404. The triangle and the managers prepare it (edit, bid team, submit); the AR
and the managers record its result (won, lost, cancelled); an integration only reads. A submit
or a result the tender is not ready for is a 409 that lists what is missing.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenders import services
from tenders.models import Tender

from ..conftest import ROLES
from ..factories import opportunity

URL = "/api/v1/tenders/"
ACTIONS = ["list", "retrieve", "edit", "task", "submit", "win", "lose", "cancel", "create"]
_HIDDEN = {**dict.fromkeys(ACTIONS, 404), "list": 0, "create": 400}
_STEER = {
    "list": 1,
    "retrieve": 200,
    "edit": 200,
    "task": 201,
    "submit": 409,  # no price yet
    "win": 409,  # not submitted
    "lose": 409,
    "cancel": 200,
    "create": 409,  # one tender in progress per deal
}
_WORK = {**_STEER, "win": 403, "lose": 403, "cancel": 403}
EXPECTED = {
    "admin": _STEER,
    "manager": _STEER,
    "rep1": _STEER,  # the AR
    "solution": _WORK,  # the SR prepares and submits, the AR records the result
    "delivery": _WORK,
    "rep2": _HIDDEN,  # same team, not in the triangle
    "rep3": _HIDDEN,
    "finance": _HIDDEN,
    "marketing": _HIDDEN,
    "integration": {**dict.fromkeys(ACTIONS, 403), "list": 1, "retrieve": 200},
}


@pytest.fixture
def tender(org):
    deal = opportunity(
        org.rep1,
        amount=2_000_000,
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
        stage_code="bid_preparation",
    )
    return services.create_tender(
        opportunity=deal,
        by=org.rep1,
        number="ZB-1",
        issuer="Metro",
        submission_due_at=timezone.now() + timedelta(days=9),
        bond_amount="10000",
    )


def call(client, action, tender, org):
    base = f"{URL}{tender.pk}/"
    actions = {
        "list": lambda: client.get(URL),
        "retrieve": lambda: client.get(base),
        "edit": lambda: client.patch(base, {"issuer": "Metro centre"}, format="json"),
        "task": lambda: client.post(
            f"{base}tasks/",
            {"member": org.solution.pk, "role": "sr", "task": "Technical bid"},
            format="json",
        ),
        "submit": lambda: client.post(f"{base}submit/", {}, format="json"),
        "win": lambda: client.post(f"{base}win/", {}, format="json"),
        "lose": lambda: client.post(
            f"{base}lose/", {"winner": "Acme", "winning_price": "1"}, format="json"
        ),
        "cancel": lambda: client.post(f"{base}cancel/", {"note": "Withdrawn"}, format="json"),
        "create": lambda: client.post(
            URL,
            {
                "opportunity": tender.opportunity_id,
                "number": "ZB-2",
                "issuer": "Metro",
                "submission_due_at": (timezone.now() + timedelta(days=5)).isoformat(),
            },
            format="json",
        ),
    }
    return actions[action]()


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(org, api, tender, role, action):
    response = call(api(role), action, tender, org)
    expected = EXPECTED[role][action]
    if action == "list":
        assert response.status_code == 200
        assert response.json()["count"] == expected
        return
    assert response.status_code == expected, response.content
    if expected == 409:
        assert response.json()["missing"], response.content


@pytest.mark.parametrize("role", ROLES)
def test_a_refused_action_changes_nothing(org, api, tender, role):
    client = api(role)
    for action in ("edit", "cancel"):
        if EXPECTED[role][action] >= 400:
            call(client, action, tender, org)
    fresh = Tender.objects.get(pk=tender.pk)
    if EXPECTED[role]["edit"] >= 400:
        assert fresh.issuer == "Metro"
    if EXPECTED[role]["cancel"] >= 400:
        assert fresh.state == "preparing"


@pytest.mark.parametrize("action", [a for a in ACTIONS if a not in ("list", "create")])
def test_a_partner_user_gets_404_for_every_tender_action(org, api, tender, partner_org, action):
    response = call(api("partner"), action, tender, org)
    assert response.status_code == 404, response.content
    assert not Tender.objects.visible_to(org.partner).exists()
