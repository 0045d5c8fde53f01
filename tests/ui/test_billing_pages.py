"""The finance pages in the browser: the work queue says what is invoiceable and why not the rest,
finance creates, issues and voids invoices and records payments with allocations, the refusals
list every missing item, invisible records are 404, both languages render, and the pages run a
bounded number of queries."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.models import Invoice, InvoiceState, Payment

from ..billing.steps import (
    NOW,
    RETENTION_DUE,
    TODAY,
    accepted_order,
    fresh,
    invoice,
    issued,
    pay,
    spec_example,
)
from ..conftest import ROLES
from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal
from ..pages import walk

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
SEES = {"admin", "manager", "rep1", "solution", "delivery", "integration", "finance"}
PAGES = ("billing:queue", "billing:invoice_list", "billing:payment_list", "billing:receivables")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def contract(org):
    """Invoiced 100% on acceptance (the payment terms are tests/billing/test_payment_terms.py)."""
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    return signed(deal, org, payment_terms=ON_ACCEPTANCE)


@pytest.fixture
def milestones(org, contract):
    """A second contract of the customer with the SPEC's terms: 30% on signing (due now), 60% on
    acceptance, 10% on 2031-06-30."""
    deal = signing_deal(
        org.rep1, customer=contract.customer, solution=org.solution, delivery=org.delivery
    )
    return signed(deal, org)


@pytest.fixture
def order(org, contract):
    """PO-1: a unit of 1,000 accepted, one of 2,000 planned."""
    return accepted_order(contract, org, accept=1)


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("role", ROLES)
def test_every_billing_page_renders_for_every_role(browser_as, org, order, role):
    owed = issued(org.finance, "500", order=order)
    payment = pay(org.finance, owed, "100")
    client = browser_as(role)
    for page in PAGES:
        assert client.get(reverse(page), **EN).status_code == 200, page
    detail = client.get(reverse("billing:invoice_detail", args=[owed.pk]), **EN)
    paid = client.get(reverse("billing:payment_detail", args=[payment.pk]), **EN)
    expected = 200 if role in SEES else 404
    assert (detail.status_code, paid.status_code) == (expected, expected)
    queue = client.get(reverse("billing:queue"), **EN)
    assert len(queue.context["order_page"].object_list) == (1 if role in SEES else 0)


def test_the_queue_says_what_is_invoiceable_and_why_not_the_rest(
    browser_as, org, order, milestones
):
    response = browser_as("finance").get(reverse("billing:queue"), **EN)
    text = response.content.decode()

    (row,) = response.context["order_page"].object_list
    assert (row.figures.invoiceable, row.figures.not_accepted) == (Decimal("1000"), Decimal("2000"))
    assert "On acceptance: 100% on acceptance of 1,000.00 accepted: 1,000.00; 0.00 invoiced" in text
    assert "2,000.00 of the order is not accepted yet" in text
    assert (
        "On acceptance 60% (180,000.00) is invoiced through the orders, 60% of each order&#x27;s"
        in text
    )
    assert "After the warranty 30,000.00 due 2031-06-30, against the contract" in text
    assert f"{reverse('billing:invoice_create')}?order={order.pk}" in text


def test_the_queue_renders_in_chinese(browser_as, order):
    response = browser_as("finance").get(reverse("billing:queue"), **ZH)
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_finance_creates_a_draft_prefilled_with_the_invoiceable_amount(browser_as, org, order):
    client = browser_as("finance")
    url = reverse("billing:invoice_create")
    form = client.get(url, {"order": order.pk}, **EN)
    assert form.context["form"].initial["amount"] == Decimal("1000")

    response = client.post(
        url,
        {"order": order.pk, "amount": "800", "tax_rate": "13", "payment_days": "30"},
        **EN,
    )

    made = Invoice.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "billing:invoice_detail", args=[made.pk]
    )
    assert (made.amount, made.state) == (Decimal("800"), InvoiceState.DRAFT)


def test_an_invoice_above_the_invoiceable_amount_shows_why(browser_as, order):
    response = browser_as("finance").post(
        reverse("billing:invoice_create"),
        {"order": order.pk, "amount": "1500", "tax_rate": "13", "payment_days": "30"},
        **EN,
    )
    assert response.status_code == 200
    assert response.context["refusal"].invoiceable == Decimal("1000")
    assert "100% on acceptance of 1,000.00 accepted: 1,000.00" in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_invoice_form_follows_the_contracts_payment_terms(browser_as, org, frozen):
    """30% at signing (invoiced), 60% on acceptance, 10% retention on 2031-05-06: the form of
    the fully accepted order of 1,000,000 offers 600,000 and says why, refuses 700,000; the
    retention's form refuses it before its date and takes it on it."""
    contract, placed, terms = spec_example(org)
    client = browser_as("finance")
    url = reverse("billing:invoice_create")

    form = client.get(url, {"order": placed.pk}, **EN)
    text = form.content.decode()
    assert form.context["form"].initial["amount"] == Decimal("600000")
    assert "On acceptance: 60% on acceptance of 1,000,000.00 accepted: 600,000.00" in text
    assert "Advance 30% (300,000.00 of this order) is invoiced against the contract" in text

    body = {"order": placed.pk, "amount": "700000", "tax_rate": "13", "payment_days": "30"}
    refused = client.post(url, body, **EN)
    assert refused.status_code == 200
    assert refused.context["refusal"].invoiceable == Decimal("600000")
    assert "At most 600,000.00 may be invoiced here now." in refused.content.decode()
    assert "60% on acceptance of 1,000,000.00 accepted" in refused.content.decode()
    assert client.post(url, {**body, "amount": "600000"}, **EN).status_code == 302

    retention = {"contract": contract.pk, "term": terms["date"].pk}
    early = client.get(url, retention, **EN)
    assert early.context["figures"].invoiceable == 0
    assert "Retention 100,000.00 due 2031-05-06, against the contract" in early.content.decode()
    body = {**retention, "amount": "100000", "tax_rate": "13", "payment_days": "30"}
    assert client.post(url, body, **EN).context["refusal"].invoiceable == 0
    frozen.move_to(datetime.combine(RETENTION_DUE, datetime.min.time()))
    client = browser_as("finance")  # a year on: a new session
    on_time = client.post(url, body, **EN)
    assert on_time.status_code == 302 and "/invoices/" in on_time.url
    assert Invoice.objects.get(term=terms["date"]).amount == Decimal("100000")


def test_a_milestone_invoice_from_the_contract(browser_as, milestones):
    term = milestones.terms.get(trigger="signing")
    response = browser_as("finance").post(
        reverse("billing:invoice_create"),
        {
            "contract": milestones.pk,
            "term": term.pk,
            "amount": "90000",
            "tax_rate": "6",
            "payment_days": "10",
            "description": "Advance 30%",
        },
        **EN,
    )
    assert response.status_code == 302
    made = Invoice.objects.get()
    assert (made.term, made.tax_rate, made.lines.get().description) == (
        term,
        Decimal("6"),
        "Advance 30%",
    )


def test_finance_issues_then_voids_an_invoice(browser_as, org, order):
    draft = invoice(org.finance, "1000", order=order)
    client = browser_as("finance")

    issued_page = client.post(
        reverse("billing:invoice_issue", args=[draft.pk]), {"on": TODAY.isoformat()}, **EN
    )
    assert fresh(draft).number == "INV2030-00001"
    assert "issued" in _messages(client.get(issued_page.url, **EN))

    client.post(reverse("billing:invoice_void", args=[draft.pk]), {"reason": "Wrong"}, **EN)
    voided = fresh(draft)
    assert voided.state == InvoiceState.VOID
    page = client.get(reverse("billing:invoice_detail", args=[draft.pk]), **EN)
    assert "CN2030-00001" in page.content.decode()


def test_a_refused_void_lists_every_missing_item(browser_as, org, order):
    owed = issued(org.finance, "1000", order=order)
    pay(org.finance, owed, "10")
    client = browser_as("finance")
    response = client.post(
        reverse("billing:invoice_void", args=[owed.pk]), {"reason": "Wrong"}, follow=True, **EN
    )
    text = _messages(response)
    assert "The payments allocated to it are released" in text
    assert "Not possible while the record is" in text


def test_a_rep_cannot_issue(browser_as, org, order):
    draft = invoice(org.finance, "10", order=order)
    page = browser_as("rep1").get(reverse("billing:invoice_detail", args=[draft.pk]), **EN)
    assert reverse("billing:invoice_issue", args=[draft.pk]) not in page.content.decode()
    response = browser_as("rep1").post(
        reverse("billing:invoice_issue", args=[draft.pk]), {}, follow=True, **EN
    )
    assert "Only finance" in _messages(response)
    assert fresh(draft).state == InvoiceState.DRAFT


def test_finance_records_a_payment_with_allocations_and_allocates_the_rest_later(
    browser_as, org, milestones, order
):
    owed = issued(org.finance, "1000", order=order)
    advance = issued(org.finance, "90000", contract=milestones)
    client = browser_as("finance")
    url = reverse("billing:payment_create")
    form = client.get(url, {"customer": owed.customer_id}, **EN)
    rows = [invoice.pk for invoice, _row in form.context["rows"]]
    assert sorted(rows) == sorted([owed.pk, advance.pk])

    data = {
        "customer": owed.customer_id,
        "amount": "5000",
        "currency": "CNY",
        "received_on": TODAY.isoformat(),
        "reference": "ICBC-UI-1",
        "alloc-TOTAL_FORMS": "2",
        "alloc-INITIAL_FORMS": "2",
        "alloc-MIN_NUM_FORMS": "0",
        "alloc-MAX_NUM_FORMS": "200",
        "alloc-0-invoice": str(rows[0]),
        "alloc-0-amount": "1000" if rows[0] == owed.pk else "",
        "alloc-1-invoice": str(rows[1]),
        "alloc-1-amount": "1000" if rows[1] == owed.pk else "",
    }
    response = client.post(url, data, **EN)
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert (payment.allocated_amount, payment.unapplied) == (Decimal("1000"), Decimal("4000"))
    assert fresh(owed).state == InvoiceState.PAID

    detail = client.get(reverse("billing:payment_detail", args=[payment.pk]), **EN)
    ((open_invoice, _row),) = detail.context["rows"]
    assert open_invoice.pk == advance.pk
    client.post(
        reverse("billing:payment_allocate", args=[payment.pk]),
        {
            "alloc-TOTAL_FORMS": "1",
            "alloc-INITIAL_FORMS": "1",
            "alloc-MIN_NUM_FORMS": "0",
            "alloc-MAX_NUM_FORMS": "200",
            "alloc-0-invoice": str(advance.pk),
            "alloc-0-amount": "4000",
        },
        **EN,
    )
    assert fresh(payment).unapplied == 0
    assert fresh(advance).paid_amount == Decimal("4000")

    twice = client.post(url, data, **EN)
    assert twice.status_code == 200
    assert "ICBC-UI-1" in twice.content.decode()
    assert Payment.objects.count() == 1


def test_the_receivables_page_shows_the_aging(browser_as, org, order, frozen):
    issued(org.finance, "1000", order=order)
    frozen.shift(timedelta(days=70))  # 40 days past due
    response = browser_as("finance").get(reverse("billing:receivables"), **EN)
    (row,) = response.context["aging"]
    assert row["days_31_60"] == Decimal("1000")
    assert [i.pk for i in response.context["overdue"]] == [Invoice.objects.get().pk]


def test_the_finance_workbench_shows_invoiceable_and_overdue_work(browser_as, org, order):
    home = browser_as("finance").get(reverse("home"), **EN)
    text = home.content.decode()
    assert "Invoiceable now" in text and order.number in text
    assert "Overdue invoices" in text


def _many(org, contract, rows: int) -> None:
    for i in range(rows):
        accepted_order(contract, org, number=f"PO-{i}", amounts=("100",))
    orders = list(contract.orders.order_by("id"))
    for placed in orders[: rows // 2]:
        owed = issued(org.finance, "100", order=placed)
        pay(org.finance, owed, "50", total="60")


@pytest.mark.parametrize("rows", [3, 30])
def test_the_billing_pages_run_a_bounded_number_of_queries(
    browser_as, org, contract, rows, django_assert_max_num_queries
):
    _many(org, contract, rows)
    owed = Invoice.objects.filter(state="partially_paid").first()
    payment = Payment.objects.first()
    for name in ("finance", "manager", "admin"):
        client = browser_as(name)
        for page in PAGES:
            with django_assert_max_num_queries(14):
                assert client.get(reverse(page), **EN).status_code == 200
        with django_assert_max_num_queries(14):
            assert (
                client.get(reverse("billing:invoice_detail", args=[owed.pk]), **EN).status_code
                == 200
            )
        with django_assert_max_num_queries(14):
            assert (
                client.get(reverse("billing:payment_detail", args=[payment.pk]), **EN).status_code
                == 200
            )
        with django_assert_max_num_queries(14):
            page = client.get(
                reverse("billing:payment_create"), {"customer": owed.customer_id}, **EN
            )
            assert page.status_code == 200
    listing = walk(browser_as("finance"), reverse("billing:invoice_list"), **EN)
    assert len(listing) == len({i.pk for i in listing}) == rows // 2
