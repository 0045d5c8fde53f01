"""The complaint pages: the panels on the customer, contract and order pages, opening one there,
the detail page's buttons from ``rules.actions_for``, refusals listing every missing item,
scoping (404) and pinned query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint

from ..api.test_contracts_api import contract_in
from ..api.test_delivery_api import placed_order
from ..complaints.steps import complaint_in
from ..profiles import FULL


def test_the_customer_contract_and_order_pages_list_complaints_and_open_one(org, browser_as):
    order = placed_order(org)
    contract = order.contract
    complaint = complaint_in(org, contract=contract, title="Cabinet dented")
    client = browser_as("rep1")
    for url in (
        reverse("customers:detail", args=[contract.customer_id]),
        reverse("contracts:contract_detail", args=[contract.pk]),
    ):
        html = client.get(url).content.decode()
        assert 'id="complaints"' in html and complaint.number in html
    html = client.get(reverse("delivery:order_detail", args=[order.pk])).content.decode()
    create = reverse("complaints:create", args=["order", order.pk])
    assert create in html
    unit = order.units.order_by("id").first()
    response = client.post(
        create,
        {"title": "Late site", "category": "delivery", "severity": "high", "unit": unit.pk},
    )
    opened = Complaint.objects.get(title="Late site")
    assert response.status_code == 302 and response["Location"] == reverse(
        "complaints:detail", args=[opened.pk]
    )
    assert (opened.order, opened.unit, opened.owner) == (order, unit, org.delivery)


def test_the_form_names_a_missing_field(org, browser_as):
    contract = contract_in(org, "signed")
    client = browser_as("rep1")
    url = reverse("complaints:create", args=["contract", contract.pk])
    response = client.post(url, {"title": "", "category": "delivery", "severity": "high"})
    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert not Complaint.objects.exists()


def test_finance_reads_but_is_not_offered_to_open_one(org, browser_as):
    contract = contract_in(org, "signed")
    client = browser_as("finance")
    html = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert reverse("complaints:create", args=["contract", contract.pk]) not in html
    url = reverse("complaints:create", args=["contract", contract.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "name, buttons",
    [
        ("delivery", {"start"}),  # the owner
        ("manager", {"start", "reassign"}),
        ("rep1", set()),  # the account owner closes and reopens, not this
        ("finance", set()),
    ],
)
def test_the_detail_page_offers_the_buttons_the_rule_allows(org, browser_as, name, buttons):
    complaint = complaint_in(org)
    response = browser_as(name).get(reverse("complaints:detail", args=[complaint.pk]))
    assert set(response.context["actions"]) == buttons
    html = response.content.decode()
    for action in ("start", "resolve", "close", "reopen", "reassign"):
        url = reverse("complaints:action", args=[complaint.pk, action])
        assert (url in html) == (action in buttons), action


def test_closing_on_the_page_without_a_confirmation_lists_what_is_missing(org, browser_as):
    complaint = complaint_in(org, "resolved")
    client = browser_as("delivery")
    url = reverse("complaints:action", args=[complaint.pk, "close"])
    response = client.post(
        url, {"confirmed_by": "", "channel": "", "confirmed_at": ""}, follow=True
    )
    assert Complaint.objects.get(pk=complaint.pk).state == "resolved"
    assert [str(m) for m in response.context["messages"]]
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"confirmed_by": "Mr Li", "channel": "visit", "confirmed_at": now})
    closed = Complaint.objects.get(pk=complaint.pk)
    assert closed.state == "closed" and closed.confirmation.channel == "visit"


def test_a_complaint_out_of_scope_is_not_found(org, browser_as):
    complaint = complaint_in(org)
    for name in ("rep2", "rep3", "marketing"):
        client = browser_as(name)
        assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
        url = reverse("complaints:action", args=[complaint.pk, "start"])
        assert client.post(url).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).state == "open"


@pytest.mark.parametrize("rows", [5, 60 if FULL else 30])
def test_the_list_and_detail_pages_run_a_bounded_number_of_queries(
    org, browser_as, rows, django_assert_max_num_queries
):
    contract = contract_in(org, "signed")
    for n in range(rows):
        last = services.open_complaint(
            by=org.rep1, contract=contract, title=f"Issue {n}", category="other", severity="low"
        )
    for name in ("manager", "rep1", "finance"):
        client = browser_as(name)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("complaints:list"), {"severity": "low"})
        assert len(response.context["page"].object_list) == min(rows, 50)
        with django_assert_max_num_queries(16):
            assert client.get(reverse("complaints:detail", args=[last.pk])).status_code == 200


def test_the_pages_speak_both_languages(org, browser_as):
    complaint = complaint_in(org)
    client = browser_as("delivery")
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "开始处理" in html and "服务水平" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Start work" in html and "Service level" in html


def test_the_owner_finds_the_complaints_to_resolve_on_the_workbench(org, browser_as):
    complaint = complaint_in(org, "in_progress")
    html = browser_as("delivery").get(reverse("home")).content.decode()
    assert reverse("complaints:detail", args=[complaint.pk]) in html
    closed = complaint_in(org, "closed", contract=complaint.contract)
    html = browser_as("delivery").get(reverse("home")).content.decode()
    assert reverse("complaints:detail", args=[closed.pk]) not in html
