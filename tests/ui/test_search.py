"""Global search: it finds customers, leads, opportunities, contracts and orders by name or
number, only among what the user may open, and in a fixed number of queries."""

import pytest
from django.urls import reverse

from ltc.search.registry import LIMIT, providers, search

from ..conftest import ROLES
from ..contracts.steps import draft, executing, signing_deal
from ..delivery.steps import order
from ..factories import CustomerFactory, LeadFactory, held_lead, opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions read the English texts (the default language is Simplified Chinese): the
    test client's pages through the language cookie, direct calls through an override."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def titles(groups) -> set[str]:
    return {hit.title for _kind, hits in groups for hit in hits}


def test_every_chain_app_registers_its_provider():
    kinds = {str(p.kind) for p in providers()}
    assert {"Customers", "Leads", "Opportunities", "Contracts", "Orders", "Invoices"} <= kinds


def test_a_rep_finds_their_own_lead_and_deal_but_not_another_reps(org):
    held_lead(org.rep1, title="Zephyr turbine retrofit")
    held_lead(org.rep3, title="Zephyr boiler swap")
    opportunity(org.rep1, name="Zephyr plant one")
    opportunity(org.rep3, name="Zephyr plant two")

    found = titles(search(org.rep1, "zephyr"))
    assert found == {"Zephyr turbine retrofit", "Zephyr plant one"}
    # The manager of team 1 sees the team's records, not team 2's.
    manager_found = titles(search(org.manager, "zephyr"))
    assert {"Zephyr turbine retrofit", "Zephyr plant one"} <= manager_found
    assert not {"Zephyr boiler swap", "Zephyr plant two"} & manager_found


def test_a_pool_lead_is_found_by_phone_and_a_lead_by_its_number(org):
    lead = LeadFactory(pool=org.default_pool, title="Pool lead", phone="13900001111")
    assert "Pool lead" in titles(search(org.rep1, "0000111"))
    assert "Pool lead" in titles(search(org.rep1, f"#{lead.pk}"))
    # Finance works no leads: the same search shows none.
    assert "Pool lead" not in titles(search(org.finance, "0000111"))


def test_contracts_and_orders_are_found_by_number_within_scope(org):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = executing(deal, org)
    po = order(contract, org.delivery, number="PO-ZX-77")
    assert f"{contract.number} · {contract.title}" in titles(search(org.rep1, contract.number))
    assert "PO-ZX-77" in titles(search(org.delivery, "ZX-77"))
    assert "PO-ZX-77" in titles(search(org.finance, "ZX-77"))
    assert not titles(search(org.rep3, contract.number))
    assert not titles(search(org.rep3, "ZX-77"))
    assert po.pk


def test_an_issued_invoice_is_found_by_its_number_by_finance_and_the_deals_team(org):
    from ..billing.steps import accepted_order, issued

    contract = executing(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    po = accepted_order(contract, org, number="PO-INV-1")
    invoice = issued(org.finance, "1000", order=po)
    assert invoice.number
    assert invoice.number in titles(search(org.finance, invoice.number))
    assert invoice.number in titles(search(org.manager, invoice.number))
    assert invoice.number not in titles(search(org.rep3, invoice.number))


def test_a_draft_contract_is_invisible_to_another_team(org):
    deal = signing_deal(org.rep1)
    contract = draft(deal, org.rep1)
    assert titles(search(org.manager, contract.number))
    assert not titles(search(org.rep2, contract.number))


def test_a_customer_is_found_by_a_contacts_name(org):
    from ..factories import ContactFactory

    customer = CustomerFactory(name="Hangzhou Optics", owner=org.rep1, team=org.team1)
    ContactFactory(customer=customer, name="Qiu Ming")
    ContactFactory(customer=customer, name="Qiu Lan")
    groups = search(org.rep1, "qiu")
    assert [hit.title for kind, hits in groups for hit in hits if str(kind) == "Customers"] == [
        "Hangzhou Optics"
    ]
    assert not titles(search(org.rep3, "qiu"))


def test_a_one_letter_query_searches_nothing(org):
    held_lead(org.rep1, title="A")
    assert search(org.rep1, "a") == []


@pytest.mark.parametrize("role", ROLES)
def test_the_search_page_renders_for_every_role(browser_as, role):
    response = browser_as(role).get(reverse("search:results"), {"q": "Lead"})
    assert response.status_code == 200


def test_the_page_lists_hits_with_links_and_says_when_nothing_matches(browser_as, org):
    lead = held_lead(org.rep1, title="Quasar line upgrade")
    page = browser_as("rep1").get(reverse("search:results"), {"q": "quasar"}).content.decode()
    assert reverse("leads:detail", args=[lead.pk]) in page
    empty = browser_as("rep1").get(reverse("search:results"), {"q": "nothing-like-it"})
    assert "Nothing you can see matches" in empty.content.decode()


def test_the_header_has_the_search_box(browser_as):
    page = browser_as("rep1").get(reverse("home")).content.decode()
    assert 'id="global-search"' in page and reverse("search:results") in page


@pytest.mark.parametrize("rows", [3, 30])
def test_search_runs_a_fixed_number_of_queries(
    browser_as, org, rows, django_assert_max_num_queries
):
    for n in range(rows):
        customer = CustomerFactory(name=f"Nimbus {n}", owner=org.manager, team=org.team1)
        held_lead(org.rep1, title=f"Nimbus lead {n}")
        opportunity(org.rep1, name=f"Nimbus deal {n}", customer=customer)
    client = browser_as("manager")
    # session, user, notifications, one query per provider (customers, leads, opportunities,
    # contracts, orders, and invoices once billing registers), the menu's and the page's own.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("search:results"), {"q": "nimbus"})
    assert response.status_code == 200
    hits = dict((str(kind), hits) for kind, hits in response.context["groups"])
    assert len(hits["Leads"]) == min(rows, LIMIT)
