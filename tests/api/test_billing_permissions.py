"""Who may do what to invoices and payments, as tables: role × action → HTTP status.

The deal is rep1's (team 1) with ``solution`` as SR and ``delivery`` as FR, its contract signed and
its order's first unit accepted. Finance, admins and integrations see all billing and act on it;
the triangle and the managers above the deal see its invoices (and the payments allocated to
them) but may not change them (403); anyone else gets 404 — or 400 when the record is only named
in the body (an order or a customer they cannot see).

The rows are built once for the module and every test runs in a savepoint rolled back after it
(``module_db``), so each cell of the table starts from the same invoices and payment."""

import pytest
import time_machine

from billing import services
from billing.models import Invoice, Payment

from ..billing.steps import NOW, accepted_order, invoice, issued, pay
from ..conftest import ROLES, Org
from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal

INVOICES = "/api/v1/invoices/"
PAYMENTS = "/api/v1/payments/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(scope="module")
def built(module_db):
    with module_db.unblock(), time_machine.travel(NOW, tick=False):
        org = Org()
        return org, _build(org)


@pytest.fixture
def org(built, db):
    return built[0]


@pytest.fixture
def setup(built):
    return built[1]


def _build(org):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = signed(deal, org, payment_terms=ON_ACCEPTANCE)
    order = accepted_order(contract, org, amounts=("1000", "1000"), accept=1)
    owed = issued(org.finance, "500", order=order)
    payment = pay(org.finance, owed, "100", total="300")
    return {
        "order": order,
        "draft": invoice(org.finance, "100", order=order),
        "owed": owed,
        "payment": payment,
    }


ACTIONS = {
    "retrieve_invoice": lambda c, s: c.get(f"{INVOICES}{s['owed'].pk}/"),
    "create_invoice": lambda c, s: c.post(
        INVOICES, {"order": s["order"].pk, "amount": "10"}, format="json"
    ),
    "issue": lambda c, s: c.post(f"{INVOICES}{s['draft'].pk}/issue/"),
    "void": lambda c, s: c.post(f"{INVOICES}{s['owed'].pk}/void/", {"reason": "x"}, format="json"),
    "retrieve_payment": lambda c, s: c.get(f"{PAYMENTS}{s['payment'].pk}/"),
    "create_payment": lambda c, s: c.post(
        PAYMENTS,
        {
            "customer": s["owed"].customer_id,
            "amount": "10",
            "currency": "CNY",
            "reference": "NEW-REF",
        },
        format="json",
    ),
    "allocate": lambda c, s: c.post(
        f"{PAYMENTS}{s['payment'].pk}/allocate/",
        {"allocations": [{"invoice": s["owed"].pk, "amount": "10"}]},
        format="json",
    ),
}
# The void of an invoice with a live allocation is refused (409) even for finance.
_BILLS = {
    "retrieve_invoice": 200,
    "create_invoice": 201,
    "issue": 200,
    "void": 409,
    "retrieve_payment": 200,
    "create_payment": 201,
    "allocate": 200,
}
_READS = {**dict.fromkeys(ACTIONS, 403), "retrieve_invoice": 200, "retrieve_payment": 200}
_HIDDEN = {**dict.fromkeys(ACTIONS, 404), "create_invoice": 400, "create_payment": 400}
EXPECTED = {
    "admin": _BILLS,
    "finance": _BILLS,
    "integration": _BILLS,
    "manager": _READS,
    "rep1": _READS,  # the AR
    "solution": _READS,
    "delivery": _READS,
    "rep2": _HIDDEN,  # same team, not in the triangle
    "rep3": _HIDDEN,  # another team
    "marketing": {**_HIDDEN, "create_payment": 403},  # sees every customer, bills nothing
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_billing_permission_table(setup, api, role, action):
    before = (Invoice.objects.count(), Payment.objects.count())
    response = ACTIONS[action](api(role), setup)
    assert response.status_code == EXPECTED[role][action], response.content
    if response.status_code >= 400:
        assert (Invoice.objects.count(), Payment.objects.count()) == before
        assert Invoice.objects.get(pk=setup["draft"].pk).state == "draft"
        assert Invoice.objects.get(pk=setup["owed"].pk).state == "partially_paid"


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_each_role_its_scope(setup, api, role):
    client = api(role)
    invoices = client.get(INVOICES).json()["count"]
    payments = client.get(PAYMENTS).json()["count"]
    queue = client.get("/api/v1/billing/invoiceable/").json()
    sees = EXPECTED[role]["retrieve_invoice"] == 200
    assert (invoices, payments) == ((2, 1) if sees else (0, 0))
    assert [o["id"] for o in queue["orders"]] == ([setup["order"].pk] if sees else [])


def test_a_release_is_for_billing_roles(org, setup, api):
    allocation = setup["payment"].allocations.get()
    body = {"allocation": allocation.pk, "reason": "x"}
    url = f"{PAYMENTS}{setup['payment'].pk}/release/"
    assert api("rep1").post(url, body, format="json").status_code == 403
    assert api("rep2").post(url, body, format="json").status_code == 404
    assert api("finance").post(url, body, format="json").status_code == 200
    services.void_invoice(invoice=setup["owed"], by=org.finance, reason="Now it can be voided")


# Partner users: every billing action is a 404, and the querysets give them nothing.
@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_partner_user_gets_404_for_every_billing_action(org, setup, api, partner_org, action):
    from billing.models import Allocation

    assert ACTIONS[action](api("partner"), setup).status_code == 404
    for model in (Invoice, Payment, Allocation):
        assert not model.objects.visible_to(org.partner).exists()
