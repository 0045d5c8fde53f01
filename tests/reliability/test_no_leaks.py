"""Nothing of another team leaks: team 2 has a whole chain (lead, customer, deal, quote-free
contract, order with an accepted unit, an issued invoice) under a customer with a unique name.
For every team 1 user, every list page, API list, export, dashboard and the search, asked with
that name as the query, never shows it (not even through a nested serializer or a related-object
field), and every one of its records is a 404 in the API and the UI."""

from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from billing import services as billing
from contracts import services as contracts
from delivery import services as delivery
from ltc.org.models import Role
from opportunities import services as deals

from ..contracts.steps import ON_ACCEPTANCE, signing_deal, team2_manager
from ..factories import LeadFactory, UserFactory
from ..profiles import FULL, pairs

pytestmark = pytest.mark.django_db

SECRET = "绝密客户ZX9Q"
CONTROL = "无此客户QQ7W"  # the same length, in no record
TEAM1 = ["manager", "rep1", "rep2", "solution", "delivery", "marketing", "partner"]
SKIPPED = ("admin/", "api/schema/", "api/docs/", "logout/", "i18n/", "login/")


@pytest.fixture
def team2_chain(org):
    manager2 = team2_manager(org)
    sr2 = UserFactory(username="solution2", role=Role.SOLUTION, team=org.team2)
    fr2 = UserFactory(username="delivery2", role=Role.DELIVERY, team=org.team2)
    lead = LeadFactory(pool=org.team2_pool, company_name=SECRET, title=f"{SECRET} MES")
    deal = signing_deal(org.rep3, solution=sr2, delivery=fr2)
    customer = deal.customer
    customer.name = SECRET
    customer.save()
    contract = contracts.create_contract(
        opportunity=deal, by=org.rep3, amount=Decimal("100000"), payment_terms=ON_ACCEPTANCE
    )
    contract = contracts.assess_contract_cost(
        contract=contract, by=sr2, cost_amount=Decimal("60000")
    )
    contract = contracts.submit_contract(
        contract=contract, by=org.rep3, relationship_assessment="ok"
    )
    deals.assess_review(review=contract.review, user=sr2, solution_assessment="Fits")
    deals.assess_review(review=contract.review, user=fr2, delivery_assessment="On time")
    contract = contracts.decide_contract(contract=contract, by=manager2, approve=True)
    contract = contracts.sign_contract(contract=contract, by=org.rep3)
    order = delivery.create_order(
        contract=contract,
        by=org.rep3,
        number="PO-SECRET",
        amount=Decimal("1000"),
        units=[{"name": "Site", "amount": "1000"}],
    )
    unit = order.units.get()
    delivery.ship_unit(unit=unit, by=fr2)
    delivery.accept_unit(unit=unit, by=fr2, certificate="AC-SECRET")
    invoice = billing.create_invoice(by=org.finance, amount=Decimal("1000"), order=order)
    invoice = billing.issue_invoice(invoice=invoice, by=org.finance)
    return {
        "lead": lead,
        "customer": customer,
        "deal": deal,
        "contract": contract,
        "order": order,
        "unit": unit,
        "invoice": invoice,
    }


def _plain_paths(patterns=None, prefix="") -> list[str]:
    """Every URL without a parameter: the list pages, API lists, exports, dashboards, search."""
    paths = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED) or "<" in route or "(?P" in route:
            continue
        if isinstance(entry, URLResolver):
            paths += _plain_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            path = "/" + route.lstrip("^").rstrip("$")
            if "\\" not in path and "." not in path:
                paths.append(path)
    return sorted(set(paths))


def test_no_page_api_export_or_search_shows_another_teams_customer(
    org, api, browser_as, team2_chain, partner_org
):
    paths = _plain_paths()
    assert len(paths) > 40, paths
    tried = 0
    # marketing sees every lead, and the lead carries the name (by design)
    users = [name for name in TEAM1 if name != "marketing"]
    # Every user on every path (the fast profile: every path by some user, every user on a
    # third of the paths, tests/profiles.py).
    chosen = pairs(users, paths)
    for name in users:
        browser, token = browser_as(name), api(name)
        for path in [path for user, path in chosen if user == name]:
            client = token if path.startswith("/api/") else browser
            for param in ("q", "search"):
                # A page may show the query back (the search box, "results for …"): compare
                # with a name that exists nowhere; any extra occurrence is a leaked record.
                seen = {}
                for word in (SECRET, CONTROL):
                    response = client.get(path, {param: word})
                    tried += 1
                    assert response.status_code < 500, (name, path, response.status_code)
                    body = b"".join(response) if response.streaming else response.content
                    seen[word] = body.count(word.encode())
                assert seen[SECRET] == seen[CONTROL], (name, path, param, seen)
    assert tried == 4 * len(chosen) and (tried > 800 or not FULL)


API_DETAILS = {
    "lead": "/api/v1/leads/{}/",
    "customer": "/api/v1/customers/{}/",
    "deal": "/api/v1/opportunities/{}/",
    "contract": "/api/v1/contracts/{}/",
    "order": "/api/v1/orders/{}/",
    "unit": "/api/v1/delivery-units/{}/",
    "invoice": "/api/v1/invoices/{}/",
}
UI_DETAILS = {
    "lead": "leads:detail",
    "customer": "customers:detail",
    "deal": "opportunities:detail",
    "contract": "contracts:contract_detail",
    "order": "delivery:order_detail",
}


@pytest.mark.parametrize("name", TEAM1)
def test_every_record_of_another_teams_chain_is_a_404(
    org, api, browser_as, team2_chain, partner_org, name
):
    client, browser = api(name), browser_as(name)
    for kind, url in API_DETAILS.items():
        if kind in ("lead", "customer") and name == "marketing":
            continue  # marketing sees every lead and customer (it creates and imports them)
        response = client.get(url.format(team2_chain[kind].pk))
        assert response.status_code == 404, (name, kind, response.status_code)
    for kind, url_name in UI_DETAILS.items():
        if kind in ("lead", "customer") and name == "marketing":
            continue
        response = browser.get(reverse(url_name, args=[team2_chain[kind].pk]))
        assert response.status_code == 404, (name, kind, response.status_code)


def test_the_team_that_owns_it_does_see_it(org, api, team2_chain):
    """The fixture is real: the owner and finance see the records the others may not."""
    assert api("rep3").get(f"/api/v1/contracts/{team2_chain['contract'].pk}/").status_code == 200
    invoice = api("finance").get(f"/api/v1/invoices/{team2_chain['invoice'].pk}/")
    assert invoice.status_code == 200
    assert SECRET.encode() in api("rep3").get("/api/v1/customers/", {"search": SECRET}).content
