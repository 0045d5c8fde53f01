"""The customer pool in Chromium: a customer its owner left idle goes back to the pool when the
sweep runs; its former owner sees why they may not claim it, and another rep claims it (in
Chinese)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ltc.customers.models import Customer
from ltc.customers.pool_sweeps import recover_idle_customers

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "合肥远景新能源有限公司"  # the demo's customer of rep1 due back tomorrow


def test_an_idle_customer_goes_back_to_the_pool_and_another_rep_claims_it(login):
    customer = Customer.objects.get(name=NAME, owner__username="rep1")
    rep1 = login("rep1")
    page = rep1.go("/customers/pool/")
    assert NAME in page.locator("#due-soon").inner_text()  # the warning on the pool page

    # Two days pass without an activity: the beat's sweep takes the customer back.
    Customer.objects.filter(pk=customer.pk).update(
        pool_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert recover_idle_customers() >= 1

    page = rep1.go("/customers/pool/")
    row = page.locator("tr", has_text=NAME)
    assert row.locator("button[disabled]").count() == 1
    assert "taken back from you" in row.inner_text()  # the disabled button says why
    rep1.shot("customer-pool")

    rep2 = login("rep2", language="zh-hans")
    page = rep2.go("/customers/pool/")
    assert "客户公海" in page.locator("h1").inner_text()
    row = page.locator("tr", has_text=NAME)
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "认领" in rep2.flash()

    page = rep2.go(f"/customers/{customer.pk}/")
    panel = page.locator("#customer-pool").inner_text()
    assert "刘洋" in page.locator("main").inner_text()  # rep2, the account owner now
    assert "有负责人" in panel  # the pool state: with its owner
    customer.refresh_from_db()
    assert (customer.owner.username, customer.pool_state) == ("rep2", "held")
