"""The catalogue: every signed-in role reads it; admins change it; cost prices are finance's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ltc.core.errors import NotAllowed
from products import services
from products.models import CostPrice, PriceBook, Product

pytestmark = pytest.mark.django_db

READERS = ["admin", "manager", "marketing", "rep1", "solution", "delivery", "finance"]


def test_a_book_outside_its_validity_dates_is_not_valid_on_that_day(catalogue):
    from django.utils import timezone

    valid = set(PriceBook.objects.valid_on(timezone.localdate()))
    assert valid == {catalogue.standard, catalogue.partner}
    catalogue.partner.active = False
    catalogue.partner.save()
    assert set(PriceBook.objects.valid_on(timezone.localdate())) == {catalogue.standard}


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("admin", True),
        ("integration", True),
        ("manager", False),
        ("rep1", False),
        ("finance", False),
        ("marketing", False),
    ],
)
def test_only_admins_and_the_erp_change_products(org, catalogue, name, allowed):
    user = org.user(name)
    if allowed:
        product = services.save_product(by=user, product=catalogue.chiller, name_en="Renamed")
        assert product.name_en == "Renamed"
    else:
        with pytest.raises(NotAllowed):
            services.save_product(by=user, product=catalogue.chiller, name_en="Renamed")


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("finance", True),
        ("admin", True),
        ("manager", False),
        ("rep1", False),
        ("solution", False),
        ("integration", False),
    ],
)
def test_only_finance_and_admins_set_cost_prices(org, catalogue, name, allowed):
    user = org.user(name)
    if allowed:
        cost = services.set_cost_price(
            by=user, product=catalogue.chiller, currency="CNY", amount=Decimal("650000")
        )
        assert cost.amount == Decimal("650000") and cost.updated_by == user
        assert CostPrice.objects.filter(product=catalogue.chiller).count() == 1
    else:
        with pytest.raises(NotAllowed):
            services.set_cost_price(
                by=user, product=catalogue.chiller, currency="CNY", amount=Decimal("1")
            )


def test_a_second_list_price_for_the_same_book_and_product_replaces_the_first(org, catalogue):
    entry, created = services.set_list_price(
        by=org.admin,
        price_book=catalogue.standard,
        product=catalogue.chiller,
        list_price=Decimal("1100000"),
    )
    assert not created and entry.list_price == Decimal("1100000")
    assert catalogue.standard.entries.filter(product=catalogue.chiller).count() == 1


@pytest.mark.parametrize("name", READERS)
def test_every_role_reads_the_catalogue_pages(
    browser_as, catalogue, name, django_assert_max_num_queries
):
    client = browser_as(name)
    for url in (
        reverse("products:list"),
        reverse("products:detail", args=[catalogue.chiller.pk]),
        reverse("products:price_book_list"),
        reverse("products:price_book_detail", args=[catalogue.standard.pk]),
    ):
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("products:detail", args=[catalogue.chiller.pk])).content.decode()
    assert "Standard 2020" in page  # every book's price is listed, with its validity
    assert ("700,000.00" in page) == (
        name in {"admin", "manager", "solution", "finance"}
    )  # the cost, grouped


def test_the_catalogue_list_stays_bounded_with_many_products(
    browser_as, catalogue, django_assert_max_num_queries
):
    Product.objects.bulk_create(
        Product(
            code=f"X-{n}", name_zh_hans=f"产品{n}", name_en=f"Item {n}", family=catalogue.chillers
        )
        for n in range(40)
    )
    client = browser_as("rep1")
    with django_assert_max_num_queries(10):
        page = client.get(reverse("products:list"), {"q": "Item"})
    assert page.status_code == 200 and "X-39" in page.content.decode()


def test_finance_sets_a_cost_price_from_the_product_page(browser_as, catalogue):
    client = browser_as("finance")
    url = reverse("products:set_cost", args=[catalogue.chiller.pk])
    response = client.post(url, {"currency": "USD", "amount": "99000"})
    assert response.status_code == 302
    assert CostPrice.objects.get(product=catalogue.chiller, currency="USD").amount == 99000


def test_a_rep_posting_a_cost_price_changes_nothing(browser_as, catalogue):
    client = browser_as("rep1")
    url = reverse("products:set_cost", args=[catalogue.chiller.pk])
    client.post(url, {"currency": "CNY", "amount": "1"})
    assert CostPrice.objects.get(product=catalogue.chiller, currency="CNY").amount == 700000


def test_the_catalogue_admin_pages_open_and_never_delete(browser_as, catalogue):
    client = browser_as("admin")
    for model in ("productfamily", "product", "bundle", "pricebook", "costprice"):
        assert client.get(f"/admin/products/{model}/").status_code == 200, model
        assert client.get(f"/admin/products/{model}/add/").status_code == 200, model
    change = f"/admin/products/product/{catalogue.chiller.pk}/change/"
    assert client.get(change).status_code == 200
    delete = f"/admin/products/product/{catalogue.chiller.pk}/delete/"
    assert client.get(delete).status_code == 403


def test_the_admin_saves_a_cost_price_through_the_service(browser_as, org, catalogue):
    client = browser_as("admin")
    response = client.post(
        "/admin/products/costprice/add/",
        {"product": catalogue.chiller.pk, "currency": "EUR", "amount": "90000"},
    )
    assert response.status_code == 302
    cost = CostPrice.objects.get(product=catalogue.chiller, currency="EUR")
    assert cost.updated_by == org.admin


def test_the_cost_price_admin_answers_hostile_input_without_an_error(browser_as, catalogue):
    client = browser_as("admin")
    assert client.get("/admin/products/costprice/add/?product=0001-01-01").status_code == 200
    body = "product=%ED%A0%80xx&currency=%ED%A0%80xx&amount=%ED%A0%80xx&_addanother=x"
    response = client.post(
        "/admin/products/costprice/add/",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
