"""Quotes from the catalogue: the list price is the book's, a discount is measured against it
line by line and in total (a lower unit price IS a discount), a free-text line always needs a
manager, a book outside its validity is refused, and the margin comes from finance's costs and
holds in the contract review."""

from datetime import timedelta
from decimal import Decimal

import pytest

from contracts import pricing, services
from contracts.models import QuoteState
from ltc.core.errors import InvalidInput, TransitionRefused
from products.models import CostPrice, PriceBook, PriceBookEntry

from .steps import LINES, TODAY, fresh, missing_codes, product_id, set_policy, standard_book, submit

VALID_UNTIL = TODAY + timedelta(days=30)


def quote(deal, by, lines, **kwargs):
    kwargs.setdefault("price_book", standard_book())
    return services.create_quote(
        opportunity=deal, by=by, lines=lines, valid_until=VALID_UNTIL, **kwargs
    )


def line(code="LIC", **fields):
    return {"product": product_id(code), "quantity": "1", **fields}


def test_a_product_line_takes_its_list_price_from_the_book_not_the_input(org, deal):
    q = quote(deal, org.rep1, [line(list_price="1", product_code="X", quantity="2")])
    stored = q.lines.get()
    assert (stored.list_price, stored.unit_price, stored.product_code) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        "LIC",
    )
    assert (stored.list_amount, stored.amount, stored.discount_off_list) == (
        Decimal("2000.00"),
        Decimal("2000.00"),
        Decimal("0.00"),
    )
    assert not q.needs_approval


def test_a_line_priced_under_list_beyond_the_threshold_cannot_be_sent_without_approval(org, deal):
    # No discount typed: 850 for a 1,000 list price is 15% off list.
    q = quote(deal, org.rep1, [line(unit_price="850")])
    assert q.needs_approval and q.max_discount == Decimal("15.00")
    assert q.discount_total == Decimal("150.00")

    with pytest.raises(TransitionRefused) as refused:
        services.send_quote(quote=q, by=org.rep1)
    assert missing_codes(refused.value) == {"discount_approved"}
    assert fresh(q).state == QuoteState.DRAFT

    services.submit_quote(quote=q, by=org.rep1)
    services.decide_quote(quote=q, by=org.manager, approve=True)
    assert services.send_quote(quote=q, by=org.rep1).state == QuoteState.SENT


def test_a_lower_price_and_a_discount_add_up_against_the_list_price(org, deal):
    # 950 (5% off) less 6% is 893: 10.70% off list, above the 10% threshold.
    q = quote(deal, org.rep1, [line(unit_price="950", discount_percent="6")])
    assert q.max_discount == Decimal("10.70") and q.needs_approval
    assert q.lines.get().amount == Decimal("893.00")


def test_a_discount_within_the_threshold_is_sent_directly(org, deal):
    q = quote(deal, org.rep1, [line(unit_price="950"), line("SRV-1", discount_percent="10")])
    assert not q.needs_approval
    assert services.send_quote(quote=q, by=org.rep1).state == QuoteState.SENT


def test_a_free_text_line_always_needs_approval_whatever_its_price(org, deal):
    free = {"description": "Site survey", "quantity": "1", "unit_price": "100"}
    q = quote(deal, org.rep1, [line(), free])
    assert q.needs_approval
    with pytest.raises(TransitionRefused) as refused:
        services.send_quote(quote=q, by=org.rep1)
    assert missing_codes(refused.value) == {"discount_approved"}
    reasons = pricing.approval_reasons(
        list(q.lines.all()), subtotal=q.subtotal, total=q.total, threshold=Decimal("10")
    )
    assert [r.code for r in reasons] == ["free_text_2"]

    only_free = quote(deal, org.rep1, LINES, price_book=None)
    assert only_free.needs_approval


def test_the_total_discount_is_measured_against_the_list_total(org, deal):
    set_policy(quote_discount_threshold=Decimal("10"))
    q = quote(deal, org.rep1, [line(discount_percent="10"), line("SRV-1", discount_percent="10")])
    assert q.discount_percent == Decimal("10.00") and not q.needs_approval


def test_a_unit_price_above_the_list_price_is_refused(org, deal):
    with pytest.raises(InvalidInput) as invalid:
        quote(deal, org.rep1, [line(unit_price="1000.01")])
    assert invalid.value.field == "lines"


def test_a_price_book_outside_its_validity_dates_is_not_offered_nor_accepted(org, deal):
    standard_book()
    expired = PriceBook.objects.create(
        name="2028",
        currency="CNY",
        valid_from=TODAY - timedelta(800),
        valid_to=TODAY - timedelta(1),
    )
    future = PriceBook.objects.create(name="2031", currency="CNY", valid_from=TODAY + timedelta(1))
    for book in (expired, future):
        PriceBookEntry.objects.create(price_book=book, product_id=product_id("LIC"), list_price=1)

    offered = set(pricing.offered_price_books(currency="CNY", day=TODAY))
    assert offered == {standard_book()}
    for book in (expired, future):
        with pytest.raises(InvalidInput) as invalid:
            quote(deal, org.rep1, [line()], price_book=book)
        assert invalid.value.field == "price_book"
    assert not deal.quotes.exists()


def test_a_book_in_another_currency_or_without_the_product_is_refused(org, deal):
    usd = PriceBook.objects.create(name="USD", currency="USD", valid_from=TODAY)
    with pytest.raises(InvalidInput) as invalid:
        quote(deal, org.rep1, [line()], price_book=usd)
    assert invalid.value.field == "price_book"
    with pytest.raises(InvalidInput) as invalid:
        quote(deal, org.rep1, [line()], price_book=usd, currency="USD")
    assert invalid.value.field == "lines"  # the licence is not in the USD book


def test_product_lines_need_a_price_book(org, deal):
    with pytest.raises(InvalidInput) as invalid:
        quote(deal, org.rep1, [line()], price_book=None)
    assert invalid.value.field == "price_book"


def org_finance():
    from ltc.org.models import User

    return User.objects.get(username="finance")


def with_costs():
    standard_book()
    for code, cost in (("LIC", "300"), ("SRV-1", "700")):
        CostPrice.objects.create(
            product_id=product_id(code),
            currency="CNY",
            amount=Decimal(cost),
            updated_by=org_finance(),
        )


def test_the_margin_is_computed_from_the_catalogue_costs(org, deal):
    with_costs()
    q = quote(deal, org.rep1, [line(quantity="2", discount_percent="5"), line("SRV-1")])
    lic, srv = q.lines.order_by("position")
    assert (lic.unit_cost, lic.cost_from_catalogue, lic.cost_amount) == (
        Decimal("300.00"),
        True,
        Decimal("600.00"),
    )
    assert q.total == Decimal("2900.00") and q.cost_total == Decimal("1300.00")
    assert q.margin_percent == Decimal("55.17")  # (2900 − 1300) / 2900
    assert lic.margin_percent == Decimal("68.42")  # (1900 − 600) / 1900


def test_a_catalogue_cost_is_not_overwritten_on_the_quote(org, deal):
    with_costs()
    q = quote(deal, org.rep1, [line()])
    with pytest.raises(InvalidInput):
        services.set_quote_costs(quote=q, by=org.solution, costs=[{"position": 1, "unit_cost": 1}])
    assert fresh(q).cost_total == Decimal("300.00")


def test_a_quote_margin_under_the_floor_escalates_the_contract_review_even_when_the_amount_is_raised(
    org, deal
):
    with_costs()
    set_policy(margin_floor=Decimal("40"))
    # The server at its 1,000 list price costs 700: a 30% margin.
    q = quote(deal, org.rep1, [line("SRV-1")])
    assert q.margin_percent == Decimal("30.00")
    contract = services.create_contract(
        opportunity=deal,
        by=org.rep1,
        amount="1000",
        payment_terms=[{"label": "All", "percent": "100", "trigger": "signing"}],
        quote=q,
    )
    assert contract.quote_margin_percent == Decimal("30.00")
    assert [r.code for r in services.escalation_reasons(contract)] == ["margin_below_floor"]

    # The rep raises the amount: the contract's own margin rises, the reviewed one does not.
    contract = services.update_contract(contract=contract, by=org.rep1, amount="5000")
    assert contract.margin_percent == Decimal("86.00")
    assert services.reviewed_margin(contract) == Decimal("30.00")
    assert services.is_escalated(contract)
    contract = submit(contract, org)
    assert contract.review.details["escalated"] is True


def test_the_api_quotes_products_and_refuses_an_expired_book(org, deal, api):
    rep1 = api("rep1")
    body = {
        "opportunity": deal.pk,
        "valid_until": str(VALID_UNTIL),
        "price_book": standard_book().pk,
        "lines": [
            {"product": product_id("LIC"), "quantity": "1", "unit_price": "850"},
            {"description": "Survey", "quantity": "1", "unit_price": "10"},
        ],
    }
    created = rep1.post("/api/v1/quotes/", body, format="json")
    assert created.status_code == 201, created.content
    lic, survey = created.json()["lines"]
    assert (lic["list_price"], lic["discount_off_list"], lic["product"]) == (
        "1000.00",
        "15.00",
        product_id("LIC"),
    )
    assert survey["product"] is None and created.json()["needs_approval"] is True
    sent = rep1.post(f"/api/v1/quotes/{created.json()['id']}/send/", {}, format="json")
    assert sent.status_code == 409

    expired = PriceBook.objects.create(
        name="Gone", currency="CNY", valid_from=TODAY - timedelta(90), valid_to=TODAY - timedelta(1)
    )
    refused = rep1.post("/api/v1/quotes/", {**body, "price_book": expired.pk}, format="json")
    assert refused.status_code == 400 and "price_book" in refused.json()
