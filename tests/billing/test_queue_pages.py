"""The invoiceable work queue pages by keyset over ``Order.invoiceable`` (HTML and API): no COUNT,
``page_size`` honoured, the pages walk every order with something invoiceable exactly once, most
invoiceable first, and the same number of queries whatever the number of orders."""

from decimal import Decimal

import pytest
from django.urls import reverse

from delivery.models import Order

from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal
from ..pages import counting_queries, walk
from .steps import accepted_order, issued

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/billing/invoiceable/"


def _orders(org, count: int) -> list[Order]:
    contract = signed(
        signing_deal(org.rep1, solution=org.solution, delivery=org.delivery),
        org,
        amount=Decimal("1000000"),
        payment_terms=ON_ACCEPTANCE,
    )
    made = []
    for n in range(count):
        # amounts with ties (n % 3), one accepted unit of two, some invoiced in full
        placed = accepted_order(
            contract, org, number=f"PO-{n}", amounts=(str(1000 * (1 + n % 3)), "500"), accept=1
        )
        if n % 4 == 3:
            issued(org.finance, str(1000 * (1 + n % 3)), order=placed)
        made.append(placed)
    return made


def _api_walk(client, size: int) -> list[dict]:
    rows, url = [], f"{QUEUE}?page_size={size}"
    while url:
        body = client.get(url).json()
        assert len(body["orders"]) <= size
        rows.extend(body["orders"])
        url = body["next"]
    return rows


def test_the_api_pages_the_queue_by_page_size_every_order_once(org, api):
    made = _orders(org, 9)
    client = api("finance")
    expected = sorted(
        (o for o in Order.objects.filter(pk__in=[m.pk for m in made]) if o.invoiceable > 0),
        key=lambda o: (-o.invoiceable, -o.order_date.toordinal(), -o.pk),
    )
    assert len(expected) == 7  # two of nine are invoiced in full
    for size in (1, 2, 3, 50):
        rows = _api_walk(client, size)
        assert [r["id"] for r in rows] == [o.pk for o in expected]
        assert [Decimal(r["invoiceable"]) for r in rows] == [o.invoiceable for o in expected]
    first = client.get(f"{QUEUE}?page_size=3").json()
    assert first["previous"] is None and len(first["orders"]) == 3
    second = client.get(first["next"]).json()
    assert second["previous"] and second["contracts"] == []  # the contracts: first page only
    assert client.get(f"{QUEUE}?cursor=nonsense").status_code == 400


@pytest.mark.parametrize("count", [3, 8])
def test_the_queue_counts_nothing_and_stays_flat(
    org, api, browser_as, count, django_assert_max_num_queries
):
    made = _orders(org, count)
    client = api("finance")
    assert counting_queries(client, f"{QUEUE}?page_size=2", "delivery_order") == []
    # token, the page of orders, their accepted units, their contracts' live invoices and
    # terms, the contracts, their terms
    with django_assert_max_num_queries(7):
        assert client.get(f"{QUEUE}?page_size=2").status_code == 200
    page = browser_as("finance")
    url = reverse("billing:queue")
    assert counting_queries(page, url, "delivery_order") == []
    assert counting_queries(page, url, "contracts_contract") == []
    # session, user, the orders, their units, invoices and terms, the contracts and their terms,
    # the finance checks of the menu
    with django_assert_max_num_queries(12):
        assert page.get(url).status_code == 200
    listed = walk(page, url, key="order_page")
    assert sorted(o.pk for o in listed) == sorted(o.pk for o in made)
