"""Who may do what to which lead, as a table: role × lead × action → HTTP status.

The leads: ``region`` (new, in the region's pool), ``team2`` (new, in team 2's pool), ``rep1``
(held by rep1, region pool) and ``rep3`` (held by rep3, team 2's pool). Visibility follows
``LeadQuerySet.visible_to``: admin, marketing and integration see all; reps their own leads and
new leads in the default pool, their team's and its ancestors' pools; the manager of team 1 the
leads of team 1's members and the pools above team 1; solution, delivery and finance none.
"""

import pytest

from ltc.customers.models import Contact

from ..conftest import ROLES
from ..factories import ContactFactory, CustomerFactory, LeadFactory, held_lead


@pytest.fixture
def org(module_org, db):
    """The organisation is built once for this module (``module_org``), its rows read afresh
    for each test."""
    return module_org.reloaded()


LEADS = ["region", "team2", "rep1", "rep3"]
ACTIONS = ["retrieve", "claim", "follow-up", "validate", "disqualify", "release", "assign"]

# Expected status per role and action, for the leads in LEADS' order.
NONE_VISIBLE = dict.fromkeys(ACTIONS, (404, 404, 404, 404))
EXPECTED = {
    "admin": {
        "retrieve": (200, 200, 200, 200),
        "claim": (403, 403, 403, 403),  # admins assign, they do not claim
        "follow-up": (409, 409, 201, 201),  # nobody works a pool lead
        "validate": (409, 409, 200, 200),
        "disqualify": (200, 200, 200, 200),
        "release": (409, 409, 200, 200),
        "assign": (200, 200, 200, 200),
    },
    "marketing": {
        "retrieve": (200, 200, 200, 200),
        "claim": (403, 403, 403, 403),
        "follow-up": (403, 403, 403, 403),
        "validate": (403, 403, 403, 403),
        "disqualify": (200, 200, 403, 403),  # pool leads only; a held lead is its owner's call
        "release": (403, 403, 403, 403),
        "assign": (200, 200, 200, 200),
    },
    "integration": {
        "retrieve": (200, 200, 200, 200),
        "claim": (403, 403, 403, 403),
        "follow-up": (403, 403, 403, 403),
        "validate": (403, 403, 403, 403),
        "disqualify": (403, 403, 403, 403),
        "release": (403, 403, 403, 403),
        "assign": (403, 403, 403, 403),
    },
    "manager": {
        "retrieve": (200, 404, 200, 404),
        "claim": (200, 404, 409, 404),
        "follow-up": (403, 404, 201, 404),
        "validate": (403, 404, 200, 404),
        "disqualify": (200, 404, 200, 404),
        "release": (403, 404, 200, 404),
        "assign": (200, 404, 200, 404),
    },
    "rep1": {
        "retrieve": (200, 404, 200, 404),
        "claim": (200, 404, 409, 404),
        "follow-up": (403, 404, 201, 404),
        "validate": (403, 404, 200, 404),
        "disqualify": (403, 404, 200, 404),
        "release": (403, 404, 200, 404),
        "assign": (403, 404, 403, 404),
    },
    "rep2": {
        "retrieve": (200, 404, 404, 404),
        "claim": (200, 404, 409, 404),  # rep1's lead came from rep2's pool: "taken", not "unknown"
        "follow-up": (403, 404, 404, 404),
        "validate": (403, 404, 404, 404),
        "disqualify": (403, 404, 404, 404),
        "release": (403, 404, 404, 404),
        "assign": (403, 404, 404, 404),
    },
    "rep3": {
        "retrieve": (200, 200, 404, 200),
        "claim": (200, 200, 409, 409),
        "follow-up": (403, 403, 404, 201),
        "validate": (403, 403, 404, 200),
        "disqualify": (403, 403, 404, 200),
        "release": (403, 403, 404, 200),
        "assign": (403, 403, 404, 403),
    },
    "solution": NONE_VISIBLE,
    "delivery": NONE_VISIBLE,
    "finance": NONE_VISIBLE,
}
BODIES = {
    "follow-up": {"kind": "call", "note": "Called the buyer"},
    "validate": {"need": "A new line", "budget_confirmed": True},
    "disqualify": {"reason": "no_need"},
    "release": {"reason": "Not for us"},
}

CASES = [
    pytest.param(role, lead, action, EXPECTED[role][action][i], id=f"{role}-{action}-{lead}")
    for role in ROLES
    for action in ACTIONS
    for i, lead in enumerate(LEADS)
]


def make_leads(org) -> dict:
    return {
        "region": LeadFactory(pool=org.region_pool),
        "team2": LeadFactory(pool=org.team2_pool),
        "rep1": held_lead(org.rep1, pool=org.region_pool, follow_up_count=1),
        "rep3": held_lead(org.rep3, pool=org.team2_pool, follow_up_count=1),
    }


def test_the_table_covers_every_role():
    assert set(EXPECTED) == set(ROLES)


@pytest.mark.parametrize("role, lead_name, action, expected", CASES)
def test_lead_permissions(org, api, role, lead_name, action, expected):
    lead = make_leads(org)[lead_name]
    client = api(role)
    url = f"/api/v1/leads/{lead.pk}/"
    if action == "retrieve":
        response = client.get(url)
    else:
        body = BODIES.get(action, {})
        if action == "assign":
            body = {"owner": org.rep2.pk}
        response = client.post(f"{url}{action}/", body, format="json")

    assert response.status_code == expected, response.content
    if expected in (403, 404, 409):
        lead.refresh_from_db()
        assert lead.recoveries.count() == 0 and lead.follow_up_count in (0, 1)


# Lists ----------------------------------------------------------------------------------------
VISIBLE_LEADS = {
    "admin": {"region", "team2", "rep1", "rep3", "default"},
    "marketing": {"region", "team2", "rep1", "rep3", "default"},
    "integration": {"region", "team2", "rep1", "rep3", "default"},
    "manager": {"region", "rep1", "default"},
    "rep1": {"region", "rep1", "default"},
    "rep2": {"region", "default"},
    "rep3": {"region", "team2", "rep3", "default"},
    "solution": set(),
    "delivery": set(),
    "finance": set(),
}
# The pool: the new leads a user may claim or assign (integrations do neither).
POOL_LEADS = {
    role: {name for name in visible if name in {"region", "team2", "default"}}
    for role, visible in VISIBLE_LEADS.items()
} | {"integration": set()}


@pytest.mark.parametrize("role", ROLES)
def test_lead_lists_show_exactly_the_visible_leads(org, api, role):
    leads = make_leads(org) | {"default": LeadFactory(pool=org.default_pool)}
    names = {lead.pk: name for name, lead in leads.items()}
    client = api(role)

    listed = client.get("/api/v1/leads/", {"page_size": 200}).json()["results"]
    pool = client.get("/api/v1/leads/pool/", {"page_size": 200}).json()["results"]

    assert {names[row["id"]] for row in listed} == VISIBLE_LEADS[role]
    assert {names[row["id"]] for row in pool} == POOL_LEADS[role]


def test_a_manager_sees_the_leads_of_every_team_below_the_teams_they_lead(org, api):
    org.region.leader = org.manager
    org.region.save()
    leads = make_leads(org)
    listed = {row["id"] for row in api("manager").get("/api/v1/leads/").json()["results"]}
    assert listed == {lead.pk for lead in leads.values()}


def test_closed_leads_stay_visible_to_their_owner_only(org, api):
    lead = held_lead(org.rep1, pool=org.region_pool, state="disqualified")
    assert api("rep1").get(f"/api/v1/leads/{lead.pk}/").status_code == 200
    assert api("rep2").get(f"/api/v1/leads/{lead.pk}/").status_code == 404


# Customers, contacts, campaigns -----------------------------------------------------------------
@pytest.fixture
def accounts(org):
    team1_customer = CustomerFactory(owner=org.rep1, team=org.team1)
    team2_customer = CustomerFactory(owner=org.rep3, team=org.team2)
    ContactFactory(customer=team1_customer)
    ContactFactory(customer=team2_customer)
    return {"team1": team1_customer, "team2": team2_customer}


VISIBLE_CUSTOMERS = {
    "admin": {"team1", "team2"},
    "marketing": {"team1", "team2"},
    "integration": {"team1", "team2"},
    "finance": {"team1", "team2"},
    "manager": {"team1"},
    "rep1": {"team1"},
    "rep2": set(),
    "rep3": {"team2"},
    "solution": set(),
    "delivery": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_customer_and_contact_lists_follow_the_customer_scope(org, api, accounts, role):
    client = api(role)
    names = {customer.pk: name for name, customer in accounts.items()}

    customers = {names[row["id"]] for row in client.get("/api/v1/customers/").json()["results"]}
    contacts = {names[row["customer"]] for row in client.get("/api/v1/contacts/").json()["results"]}

    assert customers == VISIBLE_CUSTOMERS[role]
    assert contacts == VISIBLE_CUSTOMERS[role]
    for name, customer in accounts.items():
        expected = 200 if name in VISIBLE_CUSTOMERS[role] else 404
        assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == expected
        contact = Contact.objects.get(customer=customer)
        assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == expected


def test_rep3_gets_404_for_a_team1_customer(org, api, accounts):
    assert api("rep3").get(f"/api/v1/customers/{accounts['team1'].pk}/").status_code == 404
    assert (
        api("rep3").patch(f"/api/v1/customers/{accounts['team1'].pk}/", {"name": "x"}).status_code
        == 404
    )


def test_a_contact_cannot_be_attached_to_an_invisible_customer(org, api, accounts):
    response = api("rep3").post(
        "/api/v1/contacts/", {"customer": accounts["team1"].pk, "name": "Spy"}
    )
    assert response.status_code == 400
    assert "customer" in response.json()


@pytest.mark.parametrize(
    "role, sees, writes",
    [
        ("admin", True, 201),
        ("marketing", True, 201),
        ("integration", True, 201),
        ("rep1", True, 403),
        ("manager", True, 403),
        ("solution", True, 403),
        ("finance", False, 403),
    ],
)
def test_campaigns_are_read_by_colleagues_and_written_by_marketing(org, api, role, sees, writes):
    from ..factories import CampaignFactory

    campaign = CampaignFactory()
    client = api(role)
    listed = [row["id"] for row in client.get("/api/v1/campaigns/").json()["results"]]
    assert listed == ([campaign.pk] if sees else [])
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/").status_code == (200 if sees else 404)
    response = client.post(
        "/api/v1/campaigns/", {"name": "Spring fair", "source": "trade_show"}, format="json"
    )
    assert response.status_code == writes


# Partner users: leads, pools, customers and contacts are all 404 / empty for them.
@pytest.mark.parametrize("action", ACTIONS)
def test_a_partner_user_gets_404_for_every_lead_action(org, api, partner_org, action):
    from leads.models import Lead, Pool

    leads = make_leads(org)
    client = api("partner")
    for lead in leads.values():
        url = f"/api/v1/leads/{lead.pk}/"
        response = client.get(url) if action == "retrieve" else client.post(f"{url}{action}/")
        assert response.status_code == 404
    assert not Lead.objects.visible_to(org.partner).exists()
    assert not Pool.objects.visible_to(org.partner).exists()


def test_a_partner_user_sees_no_customer_or_contact(org, api, accounts, partner_org):
    from ltc.customers.models import Customer

    client = api("partner")
    for customer in accounts.values():
        assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert client.get("/api/v1/customers/").status_code == 404
    assert not Customer.objects.visible_to(org.partner).exists()
    assert not Contact.objects.visible_to(org.partner).exists()
