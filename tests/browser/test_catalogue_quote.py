"""A quote from the catalogue, in Chromium: the rep picks products from the standard price book
(typed into the searchable product field), prices the chillers under list, sees the line flagged
and the quote held for approval; the manager approves; the rep sends it."""

from __future__ import annotations

import re

import pytest

from contracts.models import Quote, QuoteState
from opportunities.models import Opportunity

from .steps import path_id, submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_pick_products_see_the_discount_flagged_get_it_approved_and_send(login):
    deal = Opportunity.objects.get(name="恒拓重工 智能产线改造")
    rep = login("rep1")
    page = rep.go(f"/contracts/quotes/new/{deal.pk}/")
    # The standard book is offered (and chosen); the product field searches the catalogue.
    assert "标准价格表" in page.locator("#id_price_book option:checked").inner_text()
    options = page.locator("datalist#catalogue-products option")
    assert options.count() >= 10
    page.fill('[name="lines-0-product"]', "CH-M300")
    page.fill('[name="lines-0-quantity"]', "2")
    page.fill('[name="lines-0-unit_price"]', "1100000")  # 14.06% under the list price
    page.fill('[name="lines-1-product"]', "INS-CH")
    page.fill('[name="lines-1-quantity"]', "2")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    quote_id = path_id(page, r"/contracts/quotes/(\d+)/")
    rep.shot("quote-flagged")

    flagged = page.locator("tr.quote-line.flagged")
    assert flagged.count() == 1 and "CH-M300" in flagged.inner_text()
    assert "14.06" in flagged.inner_text()
    assert re.search(
        r"Line 1 is 14\.06% off list", page.locator("ul.approval-reasons").inner_text()
    )
    assert page.locator("#lines tfoot").inner_text().count("%") == 1  # the quote's margin
    submit(page, "/submit/")
    assert Quote.objects.get(pk=quote_id).state == QuoteState.PENDING_APPROVAL

    manager = login("manager")
    page = manager.go(f"/contracts/quotes/{quote_id}/")
    submit(page, "/decide/", {"comment": "Strategic data-centre account"})
    assert Quote.objects.get(pk=quote_id).state == QuoteState.APPROVED

    page = rep.go(f"/contracts/quotes/{quote_id}/")
    submit(page, "/send/")
    sent = Quote.objects.get(pk=quote_id)
    assert sent.state == QuoteState.SENT and sent.approved_by.username == "manager"
    assert sent.lines.filter(product__code="CH-M300", list_price=1280000).exists()
