"""Issue 15, part 5: the record keeps what was true when it was signed or issued. An issued
invoice keeps the name, tax id and address it was issued to, a signed contract the customer
party it was signed with: renaming the customer afterwards rewrites neither their pages nor their
API answers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import Invoice

from ..contracts.steps import signed
from .steps import accepted_order, invoice, issued

pytestmark = pytest.mark.django_db

OLD_TAX_ID, NEW_TAX_ID = "91310000MA1FL0001X", "91310000MA1FL9999Z"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def renamed(org, deal, api):
    """The deal's customer with a tax id and an address, its contract signed and an advance
    issued; then its AR renames it and changes its tax id and address through the API."""
    customer = deal.customer
    given = api("rep1").patch(
        f"/api/v1/customers/{customer.pk}/",
        {"tax_id": OLD_TAX_ID, "address": "Old road 1, Shanghai"},
        format="json",
    )
    assert given.status_code == 200, given.content
    old_name = customer.name
    contract = signed(deal, org)
    advance = issued(org.finance, 90000, contract=contract)
    changed = api("rep1").patch(
        f"/api/v1/customers/{customer.pk}/",
        {"name": "Renamed Holdings", "tax_id": NEW_TAX_ID, "address": "New avenue 9"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    return old_name, contract, advance


def test_an_issued_invoice_keeps_whom_it_was_issued_to(org, api, browser_as, renamed):
    old_name, contract, advance = renamed

    body = api("finance").get(f"/api/v1/invoices/{advance.pk}/").json()
    assert (body["customer_name"], body["bill_to_name"]) == (old_name, old_name)
    assert (body["bill_to_tax_id"], body["bill_to_address"]) == (OLD_TAX_ID, "Old road 1, Shanghai")
    listed = api("finance").get("/api/v1/invoices/").json()["results"]
    assert [row["customer_name"] for row in listed] == [old_name]

    finance = browser_as("finance")
    page = finance.get(reverse("billing:invoice_detail", args=[advance.pk]), **EN).content.decode()
    assert old_name in page and OLD_TAX_ID in page and "Old road 1, Shanghai" in page
    assert "Renamed Holdings" not in page and NEW_TAX_ID not in page
    listing = finance.get(reverse("billing:invoice_list"), **EN).content.decode()
    assert old_name in listing and "Renamed Holdings" not in listing
    # Found by the name it was issued to.
    found = finance.get(reverse("billing:invoice_list"), {"q": old_name[:12]}, **EN)
    assert advance.number in found.content.decode()


def test_an_invoice_drafted_after_the_rename_is_issued_to_the_new_name(org, renamed):
    _old, contract, _advance = renamed
    order = accepted_order(contract, org, amounts=("1000",))
    draft = invoice(org.finance, 600, order=order)
    assert (draft.bill_to_name, draft.billed_name) == ("", "Renamed Holdings")

    issued_now = services.issue_invoice(invoice=draft, by=org.finance)

    issued_now = Invoice.objects.get(pk=issued_now.pk)
    assert (issued_now.bill_to_name, issued_now.bill_to_tax_id) == ("Renamed Holdings", NEW_TAX_ID)


def test_a_signed_contract_keeps_the_party_it_was_signed_with(org, api, browser_as, renamed):
    old_name, contract, _advance = renamed

    body = api("rep1").get(f"/api/v1/contracts/{contract.pk}/").json()
    assert (body["customer_party"], body["customer_tax_id"]) == (old_name, OLD_TAX_ID)
    assert body["customer_address"] == "Old road 1, Shanghai"
    assert body["customer"]["name"] == "Renamed Holdings"  # the customer record as it is now

    page = browser_as("rep1").get(reverse("contracts:contract_detail", args=[contract.pk]), **EN)
    shown = page.context["contract"]
    assert (shown.party_name, shown.party_tax_id, shown.party_address) == (
        old_name,
        OLD_TAX_ID,
        "Old road 1, Shanghai",
    )
    html = page.content.decode()
    assert old_name in html and OLD_TAX_ID in html and NEW_TAX_ID not in html
    assert "now called Renamed Holdings" in html


def test_a_draft_contract_follows_the_customer_until_it_is_signed(org, deal, api):
    from ..contracts.steps import draft

    contract = draft(deal, org.rep1)
    api("rep1").patch(
        f"/api/v1/customers/{deal.customer_id}/", {"tax_id": NEW_TAX_ID}, format="json"
    )
    body = api("rep1").get(f"/api/v1/contracts/{contract.pk}/").json()
    assert body["customer_tax_id"] == NEW_TAX_ID and body["signed_on"] is None
    assert Decimal(body["amount"]) > 0
