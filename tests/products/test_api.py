"""``products/``, ``price-books/`` and ``price-books/<id>/prices/``: every role reads; admins and
integration tokens with ``catalogue:write`` write; the ERP's upserts by external id are
idempotent, also when its calls race (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ltc.integrations.models import Scope
from products.models import PriceBook, PriceBookEntry, Product

from ..integrations.helpers import token_client

ROLES = ["admin", "manager", "marketing", "rep1", "solution", "delivery", "finance", "integration"]
PRODUCT = {
    "code": "CTL-BMS",
    "name_zh_hans": "楼宇自控系统",
    "name_en": "Building management system",
    "family": "CHL",
    "unit": "set",
    "type": "software",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROLES)
def test_every_role_reads_products_and_price_books(
    api, catalogue, name, django_assert_max_num_queries
):
    client = api(name)
    for url in (
        "/api/v1/products/",
        "/api/v1/price-books/",
        f"/api/v1/price-books/{catalogue.standard.pk}/prices/",
    ):
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()["count"] >= 2
    product = client.get(f"/api/v1/products/{catalogue.chiller.pk}/").json()
    assert product["family"] == "CHL" and product["code"] == "CH-500"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, status",
    [
        ("admin", 201),
        ("integration", 201),
        ("manager", 403),
        ("rep1", 403),
        ("finance", 403),
        ("marketing", 403),
        ("solution", 403),
        ("delivery", 403),
    ],
)
def test_only_admins_and_the_erp_write_the_catalogue(api, catalogue, name, status):
    client = api(name)
    assert client.post("/api/v1/products/", PRODUCT, format="json").status_code == status
    response = client.post(
        f"/api/v1/price-books/{catalogue.standard.pk}/prices/",
        {"product": "CH-500", "list_price": "1"},
        format="json",
    )
    assert response.status_code == (200 if status == 201 else 403)


@pytest.mark.django_db
def test_lists_stay_bounded_with_many_rows(api, catalogue, django_assert_max_num_queries):
    products = Product.objects.bulk_create(
        Product(code=f"X-{n}", name_zh_hans="x", name_en="x", family=catalogue.chillers)
        for n in range(60)
    )
    PriceBookEntry.objects.bulk_create(
        PriceBookEntry(price_book=catalogue.standard, product=p, list_price=n)
        for n, p in enumerate(products)
    )
    client = api("rep1")
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/products/?page_size=200").status_code == 200
    with django_assert_max_num_queries(8):
        url = f"/api/v1/price-books/{catalogue.standard.pk}/prices/?page_size=200"
        assert len(client.get(url).json()["results"]) == 62


@pytest.mark.django_db
def test_catalogue_writes_need_the_catalogue_scope(org, catalogue):
    others, _token, _key = token_client(
        org, Scope.LEADS_WRITE, Scope.ORDERS_WRITE, Scope.BILLING_WRITE
    )
    assert others.put("/api/v1/products/by-external-id/P1/", PRODUCT).status_code == 403
    assert others.post("/api/v1/price-books/", {}).status_code == 403
    erp, _token, _key = token_client(org, Scope.CATALOGUE_WRITE)
    assert erp.put("/api/v1/products/by-external-id/P1/", PRODUCT).status_code == 201
    assert erp.get("/api/v1/products/by-external-id/P1/").json()["code"] == "CTL-BMS"


@pytest.mark.django_db
def test_a_product_upsert_creates_then_updates_the_same_row(org, catalogue):
    erp, _token, _key = token_client(org, Scope.CATALOGUE_WRITE)
    url = "/api/v1/products/by-external-id/SAP-4711/"
    assert erp.put(url, PRODUCT, format="json").status_code == 201
    again = erp.put(url, {**PRODUCT, "name_en": "BMS v2"}, format="json")
    assert again.status_code == 200 and again.json()["name_en"] == "BMS v2"
    assert Product.objects.filter(external_id="SAP-4711").count() == 1


@pytest.mark.django_db
def test_a_price_book_upsert_then_its_prices_set_twice_keep_one_price(org, catalogue):
    erp, _token, _key = token_client(org, Scope.CATALOGUE_WRITE)
    book = {"name": "Distributor 2027", "currency": "CNY", "valid_from": "2027-01-01"}
    created = erp.put("/api/v1/price-books/by-external-id/PL-9/", book, format="json")
    assert created.status_code == 201
    url = f"/api/v1/price-books/{created.json()['id']}/prices/"
    prices = [
        {"product": "CH-500", "list_price": "950000"},
        {"product": "INST-CH", "list_price": 1},
    ]
    assert erp.post(url, prices, format="json").status_code == 200
    prices[0]["list_price"] = "960000.00"
    answer = erp.post(url, prices, format="json")
    assert answer.status_code == 200 and answer.json()[0]["list_price"] == "960000.00"
    assert PriceBookEntry.objects.filter(price_book_id=created.json()["id"]).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({**PRODUCT, "family": "NOPE"}, "family"),
        ({**PRODUCT, "type": "spaceship"}, "type"),
        ({**PRODUCT, "code": "CH-500"}, "code"),  # taken by another product
        ({k: v for k, v in PRODUCT.items() if k != "name_en"}, "name_en"),
    ],
)
def test_bad_products_are_refused_naming_the_field(api, catalogue, body, field):
    response = api("admin").put("/api/v1/products/by-external-id/X/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        (
            {"name": "B", "currency": "CNY", "valid_from": "2027-02-01", "valid_to": "2027-01-01"},
            "__all__",
        ),
        ({"name": "B", "currency": "XXX", "valid_from": "2027-02-01"}, "currency"),
        ({"name": "Standard 2020", "currency": "CNY", "valid_from": "2027-02-01"}, "name"),
    ],
)
def test_bad_price_books_are_refused_naming_the_field(api, catalogue, body, field):
    response = api("admin").post("/api/v1/price-books/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{"product": "NOPE", "list_price": "1"}, {"product": "CH-500", "list_price": "-1"}, []]
)
def test_bad_prices_are_refused(api, catalogue, body):
    url = f"/api/v1/price-books/{catalogue.standard.pk}/prices/"
    assert api("admin").post(url, body, format="json").status_code == 400


def race(clients, call):
    barrier = threading.Barrier(len(clients))
    codes = []

    def run(client):
        try:
            barrier.wait()
            codes.append(call(client).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_a_new_product_create_one(org, postgres):
    from .conftest import make_catalogue

    make_catalogue(org)
    clients = [token_client(org, Scope.CATALOGUE_WRITE)[0] for _ in range(4)]
    codes = race(
        clients,
        lambda c: c.put("/api/v1/products/by-external-id/RACE-P/", PRODUCT, format="json"),
    )
    assert codes == [200, 200, 200, 201]
    assert Product.objects.filter(external_id="RACE-P").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_a_new_price_book_and_its_prices_create_one_each(org, postgres):
    from .conftest import make_catalogue

    make_catalogue(org)
    clients = [token_client(org, Scope.CATALOGUE_WRITE)[0] for _ in range(4)]
    book = {"name": "Race book", "currency": "CNY", "valid_from": "2027-01-01"}
    codes = race(
        clients,
        lambda c: c.put("/api/v1/price-books/by-external-id/RACE-B/", book, format="json"),
    )
    assert codes == [200, 200, 200, 201]
    book_id = PriceBook.objects.get(external_id="RACE-B").pk
    price = {"product": "CH-500", "list_price": "123.00"}
    codes = race(
        clients,
        lambda c: c.post(f"/api/v1/price-books/{book_id}/prices/", price, format="json"),
    )
    assert codes == [200, 200, 200, 200]
    assert PriceBookEntry.objects.get(price_book_id=book_id).list_price == Decimal("123")
