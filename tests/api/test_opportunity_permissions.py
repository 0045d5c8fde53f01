"""Who may do what to an opportunity, as a table: role × action → HTTP status.

The deal is rep1's (team 1, grade C, first stage) with ``solution`` as SR and ``delivery`` as
FR. Visibility follows ``Opportunity.objects.visible_to``: the iron triangle, the managers above
team 1, admins and integrations; anyone else gets 404. Among those who see it, the AR and the
managers steer it (advance, lose, win), the triangle and the managers work on it (edit, tasks of
their role, reviews, the decision chain, competitors, activities), a manager above the deal — not
its AR — regrades it and decides its reviews, and an integration only reads.
"""

from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import Opportunity

from ..conftest import ROLES
from ..factories import ContactFactory, CustomerFactory, opportunity


@pytest.fixture
def org(module_org, db):
    """The organisation is built once for this module (``module_org``), its rows read afresh
    for each test."""
    return module_org.reloaded()


URL = "/api/v1/opportunities/"
ACTIONS = [
    "retrieve",
    "checklist",
    "history",
    "tasks",
    "edit",
    "advance",
    "complete_ar_task",
    "request_review",
    "decision_chain",
    "competitor",
    "activity",
    "lose",
    "win",
    "regrade",
    "assess_sr",
    "approve",
    "reject",
]

_HIDDEN = dict.fromkeys(ACTIONS, 404)
_READER = {"retrieve": 200, "checklist": 200, "history": 200, "tasks": 200}
EXPECTED = {
    "admin": {
        **_READER,
        "edit": 200,
        "advance": 409,
        "complete_ar_task": 200,
        "request_review": 201,
        "decision_chain": 201,
        "competitor": 201,
        "activity": 201,
        "lose": 200,
        "win": 409,
        "regrade": 200,
        "assess_sr": 200,
        "approve": 200,
        "reject": 200,
    },
    "manager": {
        **_READER,
        "edit": 200,
        "advance": 409,
        "complete_ar_task": 200,
        "request_review": 201,
        "decision_chain": 201,
        "competitor": 201,
        "activity": 201,
        "lose": 200,
        "win": 409,
        "regrade": 200,
        "assess_sr": 200,
        "approve": 200,
        "reject": 200,
    },
    "rep1": {  # the AR: steers the deal, but neither regrades it nor decides its reviews
        **_READER,
        "edit": 200,
        "advance": 409,
        "complete_ar_task": 200,
        "request_review": 201,
        "decision_chain": 201,
        "competitor": 201,
        "activity": 201,
        "lose": 200,
        "win": 409,
        "regrade": 403,
        "assess_sr": 403,
        "approve": 403,
        "reject": 403,
    },
    "rep2": _HIDDEN,  # same team, not in the triangle
    "rep3": _HIDDEN,  # another team
    "solution": {  # the SR: works on the deal, does not steer it
        **_READER,
        "edit": 200,
        "advance": 403,
        "complete_ar_task": 403,
        "request_review": 201,
        "decision_chain": 201,
        "competitor": 201,
        "activity": 201,
        "lose": 403,
        "win": 403,
        "regrade": 403,
        "assess_sr": 200,
        "approve": 403,
        "reject": 403,
    },
    "delivery": {  # the FR
        **_READER,
        "edit": 200,
        "advance": 403,
        "complete_ar_task": 403,
        "request_review": 201,
        "decision_chain": 201,
        "competitor": 201,
        "activity": 201,
        "lose": 403,
        "win": 403,
        "regrade": 403,
        "assess_sr": 403,
        "approve": 403,
        "reject": 403,
    },
    "finance": _HIDDEN,
    "marketing": _HIDDEN,
    "integration": {  # sees every deal, changes none
        **_READER,
        "edit": 403,
        "advance": 403,
        "complete_ar_task": 403,
        "request_review": 403,
        "decision_chain": 403,
        "competitor": 403,
        "activity": 403,
        "lose": 403,
        "win": 403,
        "regrade": 403,
        "assess_sr": 403,
        "approve": 403,
        "reject": 403,
    },
}


@pytest.fixture
def deal(org):
    opp = opportunity(
        org.rep1,
        amount=Decimal("300000"),
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )
    contact = ContactFactory(customer=opp.customer)
    # A contract review with every assessment written, waiting for a manager's decision.
    review = services.request_review(
        opportunity=opp,
        user=org.manager,
        kind="contract",
        relationship_assessment="ok",
        solution_assessment="ok",
        delivery_assessment="ok",
    )
    return opp, contact, review


def call(client, action, opp, contact, review):
    base = f"{URL}{opp.pk}/"
    post = {
        "edit": lambda: client.patch(base, {"needs": "Lower energy costs"}, format="json"),
        "advance": lambda: client.post(f"{base}advance/", {}, format="json"),
        "complete_ar_task": lambda: client.post(
            f"{base}tasks/verify_need/complete/", {"note": "ok"}, format="json"
        ),
        "request_review": lambda: client.post(
            f"{base}reviews/", {"kind": "project_approval"}, format="json"
        ),
        "decision_chain": lambda: client.post(
            f"{base}decision-chain/", {"contact": contact.pk, "role": "user"}, format="json"
        ),
        "competitor": lambda: client.post(
            f"{base}competitors/", {"name": "Rival AG"}, format="json"
        ),
        "activity": lambda: client.post(
            f"{base}activities/", {"kind": "call", "note": "Called"}, format="json"
        ),
        "lose": lambda: client.post(
            f"{base}lose/", {"reason": "price", "lessons": "Quote earlier"}, format="json"
        ),
        "win": lambda: client.post(f"{base}win/", {}, format="json"),
        "regrade": lambda: client.post(
            f"{base}regrade/", {"grade": "A", "reason": "Flagship"}, format="json"
        ),
        "assess_sr": lambda: client.post(
            f"/api/v1/reviews/{review.pk}/assess/", {"solution_assessment": "Fits"}, format="json"
        ),
        "approve": lambda: client.post(f"/api/v1/reviews/{review.pk}/approve/", {}, format="json"),
        "reject": lambda: client.post(
            f"/api/v1/reviews/{review.pk}/reject/", {"comment": "No"}, format="json"
        ),
    }
    if action in post:
        return post[action]()
    suffix = "" if action == "retrieve" else f"{action}/"
    return client.get(f"{base}{suffix}")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(org, api, deal, role, action):
    opp, contact, review = deal
    response = call(api(role), action, opp, contact, review)
    assert response.status_code == EXPECTED[role][action], response.content


@pytest.mark.parametrize("role", ROLES)
def test_a_refused_action_changes_nothing(org, api, deal, role):
    opp, contact, review = deal
    client = api(role)
    for action in ("edit", "lose", "regrade"):
        if EXPECTED[role][action] >= 400:
            call(client, action, opp, contact, review)
    fresh = Opportunity.objects.get(pk=opp.pk)
    if EXPECTED[role]["edit"] >= 400:
        assert fresh.needs == ""
    if EXPECTED[role]["lose"] >= 400:
        assert fresh.state == "open"
    if EXPECTED[role]["regrade"] >= 400:
        assert fresh.grade == "C"


CREATE = {
    "admin": 400,  # an administrator is not an AR; they open deals for a rep (owner)
    "manager": 201,
    "rep1": 201,
    "rep2": 201,
    "rep3": 201,
    "solution": 403,
    "delivery": 403,
    "finance": 403,
    "marketing": 403,
    "integration": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_an_opportunity(org, api, role):
    user = org.user(role)
    customer = CustomerFactory(owner=user, team=user.team)
    body = {
        "customer": customer.pk,
        "name": "Deal",
        "amount": "500000",
        "expected_close_date": "2031-01-31",
    }
    response = api(role).post(URL, body, format="json")
    assert response.status_code == CREATE[role], response.content


def test_an_admin_opens_a_deal_for_a_rep(org, api):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    body = {
        "customer": customer.pk,
        "name": "Deal",
        "amount": "500000",
        "expected_close_date": "2031-01-31",
        "owner": org.rep1.pk,
    }
    response = api("admin").post(URL, body, format="json")
    assert response.status_code == 201 and response.json()["owner"] == org.rep1.pk


def test_a_rep_cannot_open_a_deal_for_a_colleague(org, api):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    body = {
        "customer": customer.pk,
        "name": "Deal",
        "amount": "500000",
        "expected_close_date": "2031-01-31",
        "owner": org.rep2.pk,
    }
    response = api("rep1").post(URL, body, format="json")
    assert response.status_code == 400 and "owner" in response.json()


@pytest.mark.parametrize(
    "role, status",
    [
        ("rep1", 200),
        ("solution", 200),
        ("delivery", 200),
        ("manager", 200),
        ("rep2", 404),
        ("rep3", 404),
    ],
)
def test_the_customer_of_a_deal_is_visible_to_its_triangle(org, api, deal, role, status):
    opp, _contact, _review = deal
    assert api(role).get(f"/api/v1/customers/{opp.customer_id}/").status_code == status


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
        ("finance", False),
        ("marketing", False),
        ("integration", True),
    ],
)
def test_lists_show_exactly_the_visible_deals_and_reviews(org, api, deal, role, visible):
    opp, _contact, review = deal
    client = api(role)
    assert [row["id"] for row in client.get(URL).json()["results"]] == ([opp.pk] if visible else [])
    assert [row["id"] for row in client.get("/api/v1/reviews/").json()["results"]] == (
        [review.pk] if visible else []
    )


# Partner users: every opportunity action is a 404, and the querysets give them nothing (not
# even their own partner's E deals: the portal shows those through the registration).
@pytest.mark.parametrize("action", ACTIONS)
def test_a_partner_user_gets_404_for_every_opportunity_action(org, api, deal, partner_org, action):
    from opportunities.models import Review

    opp, contact, review = deal
    assert call(api("partner"), action, opp, contact, review).status_code == 404
    assert not Opportunity.objects.visible_to(org.partner).exists()
    assert not Review.objects.visible_to(org.partner).exists()
