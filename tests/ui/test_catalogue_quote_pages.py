"""The quote editor with the catalogue: books valid today are offered, products are searchable,
the saved quote shows list, net, discount off list and margin, and flags what needs approval."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Quote
from products.models import CostPrice, PriceBook, PriceBookEntry

from ..contracts.steps import product_id, standard_book
from .test_contract_pages import _quote_data, _signing_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(org):
    org.rep1.language = "en"
    org.rep1.save(update_fields=["language"])
    return _signing_deal(org, name="Chiller plant")


@pytest.fixture
def expired():
    book = PriceBook.objects.create(
        name="Old book",
        currency="CNY",
        valid_from=timezone.localdate() - timedelta(400),
        valid_to=timezone.localdate() - timedelta(1),
    )
    PriceBookEntry.objects.create(price_book=book, product_id=product_id("LIC"), list_price=10)
    return book


def test_the_editor_offers_only_books_valid_today_and_searchable_products(
    browser_as, deal, expired, django_assert_max_num_queries
):
    client = browser_as("rep1")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("contracts:quote_create", args=[deal.pk]))
    form = response.context["form"]
    assert list(form.fields["price_book"].queryset) == [standard_book()]
    assert form.initial["price_book"] == standard_book()
    page = response.content.decode()
    assert 'list="catalogue-products"' in page and '<option value="LIC">' in page
    assert "Old book" not in page


def test_a_quote_posted_with_an_expired_book_is_refused(browser_as, deal, expired):
    data = _quote_data([{"product": "LIC", "quantity": "1"}])
    data["price_book"] = str(expired.pk)
    response = browser_as("rep1").post(reverse("contracts:quote_create", args=[deal.pk]), data)
    assert response.status_code == 200 and "price_book" in response.context["form"].errors
    assert not Quote.objects.exists()


def test_picked_products_are_priced_from_the_book_and_a_low_price_is_flagged(
    browser_as, org, deal, django_assert_max_num_queries
):
    standard_book()
    CostPrice.objects.create(
        product_id=product_id("LIC"), currency="CNY", amount=400, updated_by=org.finance
    )
    data = _quote_data(
        [
            {"product": "LIC", "quantity": "2", "unit_price": "800"},
            {"product": "SRV-1", "quantity": "1", "discount_percent": "5"},
        ]
    )
    data["price_book"] = str(standard_book().pk)
    client = browser_as("rep1")
    response = client.post(reverse("contracts:quote_create", args=[deal.pk]), data, follow=True)
    quote = Quote.objects.get()
    lic, srv = quote.lines.order_by("position")
    assert (lic.list_price, lic.discount_off_list, lic.amount) == (
        Decimal("1000.00"),
        Decimal("20.00"),
        Decimal("1600.00"),
    )
    assert lic.margin_percent == Decimal("50.00")
    assert quote.needs_approval and srv.product_id is not None
    page = response.content.decode()
    assert "Line 1 is 20.00% off list, above 10.00%" in page
    assert page.count('class="quote-line flagged"') == 1

    with django_assert_max_num_queries(30):
        assert client.get(reverse("contracts:quote_detail", args=[quote.pk])).status_code == 200
    edit = client.get(reverse("contracts:quote_edit", args=[quote.pk]))
    assert edit.context["formset"].initial[0]["product"] == "LIC"


def test_a_free_text_row_is_flagged_for_approval(browser_as, deal):
    standard_book()
    data = _quote_data([{"description": "Site survey", "quantity": "1", "unit_price": "100"}])
    response = browser_as("rep1").post(
        reverse("contracts:quote_create", args=[deal.pk]), data, follow=True
    )
    page = response.content.decode()
    assert Quote.objects.get().needs_approval
    assert "Line 1 is free text (not from the catalogue)" in page


def test_a_row_without_product_needs_a_description_and_a_price(browser_as, deal):
    data = _quote_data([{"quantity": "1"}])
    response = browser_as("rep1").post(reverse("contracts:quote_create", args=[deal.pk]), data)
    errors = response.context["formset"].forms[0].errors
    assert "description" in errors and "unit_price" in errors
    assert not Quote.objects.exists()
