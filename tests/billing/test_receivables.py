"""Receivables: outstanding per customer, aging buckets by days past due (edges inclusive as
written: 0–30, 31–60, 61–90, over 90), DSO and order-to-cash days; overdue alerts once per
invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import selectors, services
from billing.models import Invoice
from ltc.activity.models import Notification

from ..pages import counting_queries
from .steps import TODAY, accepted_order, fresh, invoice, issued, pay

D = Decimal


def due_days_ago(org, contract, days: int, amount="100") -> Invoice:
    """An advance invoice issued today whose due date was ``days`` ago (negative: in the future)."""
    made = invoice(org.finance, amount, contract=contract, payment_days=0)
    made = services.issue_invoice(invoice=made, by=org.finance)
    Invoice.objects.filter(pk=made.pk).update(due_date=TODAY - timedelta(days=days))
    return fresh(made)


@pytest.mark.parametrize(
    "days, bucket",
    [
        (-1, "not_due"),
        (0, "days_0_30"),
        (30, "days_0_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "over_90"),
    ],
)
def test_aging_buckets_at_their_edges(org, contract, days, bucket):
    due_days_ago(org, contract, days, amount="100")

    (row,) = selectors.aging(Invoice.objects.all())

    assert row[bucket] == D("100")
    assert sum(row[name] for name in selectors.BUCKETS) == row["total"] == D("100")


def test_aging_counts_what_is_outstanding_per_customer(org, contract):
    partly = due_days_ago(org, contract, 45, amount="1000")
    due_days_ago(org, contract, 5, amount="200")
    paid = due_days_ago(org, contract, 100, amount="300")
    pay(org.finance, partly, "400")
    pay(org.finance, paid, "300")

    (row,) = selectors.aging_by_customer(Invoice.objects.all())

    assert (row["customer"], row["currency"], row["invoice_count"]) == (
        contract.customer_id,
        "CNY",
        2,
    )
    assert (row["days_0_30"], row["days_31_60"], row["over_90"], row["total"]) == (
        D("200"),
        D("600"),
        D("0"),
        D("800"),
    )


def test_dso_relates_what_is_owed_to_what_was_invoiced(org, contract):
    owed = issued(org.finance, "9000", contract=contract)
    pay(org.finance, owed, "3000")
    # Invoiced 9,000 in 90 days, 6,000 outstanding: 60 days of sales.
    (row,) = selectors.dso(Invoice.objects.all())
    assert (row["currency"], row["outstanding"], row["sales"], row["dso"]) == (
        "CNY",
        D("6000"),
        D("9000"),
        D("60.0"),
    )


def test_one_query_of_totals_answers_what_aging_and_dso_answer(
    org, contract, django_assert_num_queries
):
    for days in (-1, 0, 31, 61, 91):
        due_days_ago(org, contract, days, amount="100")
    owed = issued(org.finance, "9000", contract=contract)
    pay(org.finance, owed, "3000")
    invoices = Invoice.objects.filter(currency="CNY")
    (aging,) = selectors.aging(invoices, today=TODAY)
    (dso,) = selectors.dso(invoices, today=TODAY)

    with django_assert_num_queries(1):
        totals = selectors.receivables_totals(
            invoices, today=TODAY, since=TODAY - timedelta(days=7), until=TODAY + timedelta(days=1)
        )

    for name in (*selectors.BUCKETS, "total", "invoice_count"):
        assert totals[name] == aging[name]
    assert {"currency": "CNY", **selectors.dso_row(totals["total"], totals["sales"])} == dso
    assert totals["invoiced"] == D("9500")
    empty = selectors.receivables_totals(
        Invoice.objects.none(), today=TODAY, since=TODAY, until=TODAY
    )
    assert (empty["total"], empty["invoice_count"], empty["sales"]) == (D("0"), 0, None)
    assert selectors.dso_row(empty["total"], empty["sales"])["dso"] is None


def test_order_to_cash_averages_the_paid_invoices(org, contract, frozen):
    # an order of 2,000 accepted: 60% of it (1,200) is invoiceable on the order
    first = issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("2000",)))
    second = issued(org.finance, "500", contract=contract)
    frozen.shift(timedelta(days=10))
    pay(org.finance, first, "1000")
    frozen.shift(timedelta(days=10))
    pay(org.finance, second, "500")

    figure = selectors.order_to_cash(Invoice.objects.all())

    assert figure == {"invoices": 2, "average_days": D("15.0")}
    assert selectors.order_to_cash(Invoice.objects.none()) == {
        "invoices": 0,
        "average_days": None,
    }


def test_overdue_invoices_alert_finance_and_the_ar_once(org, contract):
    late = due_days_ago(org, contract, 1)
    due_days_ago(org, contract, 0)  # due today: not overdue yet

    assert services.notify_overdue_invoices() == 1
    assert services.notify_overdue_invoices() == 0

    notes = Notification.objects.filter(kind="invoice_overdue")
    assert sorted(notes.values_list("recipient__username", flat=True)) == ["finance", "rep1"]
    assert {n.params["number"] for n in notes} == {late.number}
    assert fresh(late).overdue_notified_at is not None


def test_a_paid_invoice_is_never_alerted(org, contract):
    late = due_days_ago(org, contract, 3)
    pay(org.finance, late, late.amount)
    assert services.notify_overdue_invoices() == 0


def test_one_grouped_statement_answers_aging_dso_and_order_to_cash(
    org, contract, frozen, django_assert_num_queries
):
    """The receivables page's per-currency figures (``currency_figures``) are what ``aging``,
    ``dso`` and ``order_to_cash`` answer apart, from one statement."""
    for days in (-1, 0, 31, 61, 91):
        due_days_ago(org, contract, days, amount="100")
    owed = issued(org.finance, "9000", contract=contract)
    frozen.shift(timedelta(days=3))
    pay(org.finance, owed, "3000")
    paid = issued(org.finance, "700", contract=contract)
    frozen.shift(timedelta(days=7))
    pay(org.finance, paid, "700")
    today = timezone.localdate()
    for invoices in (Invoice.objects.all(), Invoice.objects.none()):
        with django_assert_num_queries(1 if invoices.exists() else 0):
            figures = selectors.currency_figures(invoices, today=today)
        assert figures["aging"] == list(selectors.aging(invoices, today=today))
        assert figures["dso"] == selectors.dso(invoices, today=today)
        assert figures["order_to_cash"] == selectors.order_to_cash(
            invoices, since=today - timedelta(days=365), until=today
        )
    assert figures["order_to_cash"] == {"invoices": 0, "average_days": None}


def test_the_receivables_page_counts_nothing_and_stays_bounded(
    org, contract, browser_as, django_assert_max_num_queries
):
    for days in (-1, 0, 31, 61, 91):
        due_days_ago(org, contract, days, amount="100")
    client = browser_as("finance")
    url = reverse("billing:receivables")
    assert counting_queries(client, url, "billing_invoice") == []  # pages are unnumbered
    # session, user, the per-currency figures, the customers' page, the overdue invoices, the
    # credit, and the finance menu's checks
    with django_assert_max_num_queries(9):
        page = client.get(url)
    assert page.context["aging"][0]["invoice_count"] == 5
    assert [row["total"] for row in page.context["customers"].object_list] == [D("500")]
