"""The customer pool's permission matrix: role × customer × action → HTTP status.

The customers: ``region`` (pooled, in the East region's customer pool), ``team2`` (pooled, in
team 2's), ``rep1`` (held by rep1 under the region pool) and ``rep3`` (held by rep3 under team
2's). Who sees the pool: reps and managers the pooled customers of the default pool, their
team's and the teams above it (a manager also those of the teams they lead); admin, marketing,
finance and integration see every customer (``customer_scope``). Who may act: reps and managers
claim; managers (within their teams) and admins assign; the owner, their manager or an admin
release. Solution and delivery see none of these customers.
"""

import pytest

from ..conftest import ROLES
from ..factories import CustomerPoolFactory, held_customer, pooled_customer

CUSTOMERS = ["region", "team2", "rep1", "rep3"]
ACTIONS = ["retrieve", "claim", "release", "assign"]
NONE_VISIBLE = dict.fromkeys(ACTIONS, (404, 404, 404, 404))
SEES_ALL_ACTS_NOT = {
    "retrieve": (200, 200, 200, 200),
    "claim": (403, 403, 403, 403),
    "release": (403, 403, 403, 403),
    "assign": (403, 403, 403, 403),
}
EXPECTED = {
    "admin": {
        "retrieve": (200, 200, 200, 200),
        "claim": (403, 403, 403, 403),  # admins assign, they do not claim
        "release": (409, 409, 200, 200),  # a pooled customer has no owner to release it from
        "assign": (200, 200, 200, 200),
    },
    "marketing": SEES_ALL_ACTS_NOT,
    "finance": SEES_ALL_ACTS_NOT,
    "integration": SEES_ALL_ACTS_NOT,
    "manager": {
        "retrieve": (200, 404, 200, 404),
        "claim": (200, 404, 409, 404),  # rep1's customer is in the manager's pool: "taken"
        "release": (403, 404, 200, 404),
        "assign": (200, 404, 200, 404),
    },
    "rep1": {
        "retrieve": (200, 404, 200, 404),
        "claim": (200, 404, 409, 404),
        "release": (403, 404, 200, 404),
        "assign": (403, 404, 403, 404),
    },
    "rep2": {
        "retrieve": (200, 404, 404, 404),
        "claim": (200, 404, 409, 404),
        "release": (403, 404, 404, 404),
        "assign": (403, 404, 404, 404),
    },
    "rep3": {
        "retrieve": (200, 200, 404, 200),
        "claim": (200, 200, 409, 409),
        "release": (403, 403, 404, 200),
        "assign": (403, 403, 404, 403),
    },
    "solution": NONE_VISIBLE,
    "delivery": NONE_VISIBLE,
}
CASES = [
    pytest.param(role, name, action, EXPECTED[role][action][i], id=f"{role}-{action}-{name}")
    for role in ROLES
    for action in ACTIONS
    for i, name in enumerate(CUSTOMERS)
]


@pytest.fixture
def customer_pools(org):
    return {
        "default": CustomerPoolFactory(name="Company customers", is_default=True),
        "region": CustomerPoolFactory(name="East customers", team=org.region),
        "team2": CustomerPoolFactory(name="Team 2 customers", team=org.team2),
    }


def make_customers(org, pools) -> dict:
    return {
        "region": pooled_customer(pools["region"]),
        "team2": pooled_customer(pools["team2"]),
        "rep1": held_customer(org.rep1, pools["region"]),
        "rep3": held_customer(org.rep3, pools["team2"]),
    }


def test_the_table_covers_every_role():
    assert set(EXPECTED) == set(ROLES)


@pytest.mark.parametrize("role, name, action, expected", CASES)
def test_customer_pool_permissions(org, api, customer_pools, role, name, action, expected):
    customer = make_customers(org, customer_pools)[name]
    client = api(role)
    url = f"/api/v1/customers/{customer.pk}/"
    if action == "retrieve":
        response = client.get(url)
    else:
        body = {"release": {"reason": "Not ours"}, "assign": {"owner": org.rep2.pk}}
        response = client.post(f"{url}{action}/", body.get(action, {}), format="json")

    assert response.status_code == expected, response.content
    if expected != 200:
        before = customer.owner_id, customer.pool_state
        customer.refresh_from_db()
        assert (customer.owner_id, customer.pool_state) == before


POOL_LISTS = {
    "admin": {"region", "team2", "default"},
    "manager": {"region", "default"},
    "rep1": {"region", "default"},
    "rep2": {"region", "default"},
    "rep3": {"region", "team2", "default"},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_pool_lists_exactly_the_customers_a_user_may_claim_or_assign(
    org, api, customer_pools, role, django_assert_max_num_queries
):
    customers = make_customers(org, customer_pools) | {
        "default": pooled_customer(customer_pools["default"])
    }
    names = {c.pk: name for name, c in customers.items()}
    client = api(role)
    client.get("/api/v1/customers/pool/")  # the token's first use

    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/customers/pool/", {"page_size": 200})

    rows = response.json()["results"]
    assert {names[row["id"]] for row in rows} == POOL_LISTS.get(role, set())
    assert all(row["pool_state"] == "pooled" and row["owner"] is None for row in rows)


def test_the_pool_list_says_why_a_claim_would_be_refused(org, api, customer_pools):
    customer_pools["region"].max_held = 1
    customer_pools["region"].save()
    make_customers(org, customer_pools)  # rep1 holds one: the limit

    rows = api("rep1").get("/api/v1/customers/pool/").json()["results"]
    region_row = next(r for r in rows if r["pool_name"] == "East customers")
    assert [m["code"] for m in region_row["claim_blockers"]] == ["max_held"]
    assert api("rep2").post(f"/api/v1/customers/{region_row['id']}/claim/").status_code == 200


# Partner users: the customer pool is all 404 / empty for them.
@pytest.mark.parametrize("action", ACTIONS)
def test_a_partner_user_gets_404_for_every_customer_pool_action(
    org, api, customer_pools, partner_org, action
):
    from ltc.customers.models import Customer, CustomerPool

    client = api("partner")
    for customer in make_customers(org, customer_pools).values():
        url = f"/api/v1/customers/{customer.pk}/"
        response = client.get(url) if action == "retrieve" else client.post(f"{url}{action}/")
        assert response.status_code == 404
    assert client.get("/api/v1/customers/pool/").status_code == 404
    assert not Customer.objects.in_pool_of(org.partner).exists()
    assert not CustomerPool.objects.visible_to(org.partner).exists()
