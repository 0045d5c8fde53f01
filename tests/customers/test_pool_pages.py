"""The customer pool's pages: the pool with its claim buttons (disabled ones say why), and the
pool panel of the customer page with its actions, each page in a bounded number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ltc.customers import pool_sweeps
from ltc.customers.models import Customer

from ..factories import CustomerPoolFactory, held_customer, pooled_customer


@pytest.fixture
def company(org):
    return CustomerPoolFactory(name="Company customers", is_default=True, max_held=5)


def test_the_pool_page_lists_pooled_customers_with_claim_buttons(
    org, company, browser_as, django_assert_max_num_queries
):
    for _ in range(30):
        pooled_customer(company)
    client = browser_as("rep1")
    client.get("/customers/pool/")
    with django_assert_max_num_queries(16):
        page = client.get("/customers/pool/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('action="/customers/') >= 30 and "disabled" not in html


def test_a_disabled_claim_button_says_why(org, company, browser_as):
    lost = held_customer(org.rep1, company, due_in=-timedelta(hours=1))
    pool_sweeps.recover_idle_customers()

    html = browser_as("rep1").get("/customers/pool/").content.decode()

    assert "disabled" in html and "之后才能重新认领" in html  # "may claim it again after"
    assert lost.name in html


def test_roles_without_the_pool_get_no_pool_page(org, company, browser_as):
    for role in ("marketing", "finance", "solution"):
        assert browser_as(role).get("/customers/pool/").status_code == 403


def test_claim_release_and_assign_from_the_pages(org, company, browser_as):
    customer = pooled_customer(company)
    rep1 = browser_as("rep1")
    rep1.post(f"/customers/{customer.pk}/claim/")
    customer.refresh_from_db()
    assert (customer.owner, customer.pool_state) == (org.rep1, "held")

    rep1.post(f"/customers/{customer.pk}/log-activity/", {"kind": "call", "note": "Hello"})
    customer.refresh_from_db()
    assert customer.last_touched_at is not None

    rep1.post(f"/customers/{customer.pk}/release/", {"reason": "Wrong region"})
    customer.refresh_from_db()
    assert customer.pool_state == "pooled"

    browser_as("manager").post(f"/customers/{customer.pk}/assign/", {"owner": org.rep2.pk})
    customer.refresh_from_db()
    assert customer.owner == org.rep2


def test_the_customer_page_shows_the_pool_state_and_actions(
    org, company, browser_as, django_assert_max_num_queries
):
    customer = held_customer(org.rep1, company, due_in=timedelta(days=2))
    client = browser_as("rep1")
    client.get(f"/customers/{customer.pk}/")
    with django_assert_max_num_queries(40):
        page = client.get(f"/customers/{customer.pk}/")
    html = page.content.decode()
    assert 'id="customer-pool"' in html and "有负责人" in html  # "With its owner"
    assert f"/customers/{customer.pk}/release/" in html
    assert timezone.localtime(customer.pool_due_at).strftime("%Y-%m-%d") in html
    assert Customer.objects.get(pk=customer.pk).pool_state == "held"
