"""Catalogue import: products, list prices and costs from CSV or Excel, a report line per row, a
bad row changing nothing, and only catalogue editors (costs: finance or admins) may import."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ltc.core.errors import NotAllowed
from ltc.core.uploads import UploadRefused
from products import importing
from products.models import CostPrice, PriceBookEntry, Product

pytestmark = pytest.mark.django_db

CSV = (
    "code,中文名称,name_en,family,unit,type,price_book,list_price,cost\n"
    "CH-900,900冷吨离心机,900 RT chiller,CHL,台,设备,Partner gold,2500000,1800000\n"
    "CH-500,,,,,,Standard 2026,1050000,\n"
    "BAD-1,坏,Bad,NOPE,,,,,\n"
    "\n"
    "CH-901,新机,New,CHL,,,Partner gold,-5,\n"
    ",无编码,No code,CHL,,,,,\n"
)


def upload(text: str, name="catalogue.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def run(org, by="admin", text=CSV):
    records = importing.parse_upload(upload(text))
    return importing.import_rows(records=records, by=org.user(by))


def test_each_row_is_reported_and_only_good_rows_change_the_catalogue(org, catalogue):
    catalogue.standard.name = "Standard 2026"
    catalogue.standard.save()
    results = run(org)
    by_row = {r.row: r for r in results}
    assert [r.row for r in results] == [2, 3, 4, 6, 7]
    assert by_row[2].ok and by_row[3].ok
    # Errors name the column as the user knows it (in Chinese, the default language).
    assert not by_row[4].ok and by_row[4].errors[0].startswith("产品系列：")
    assert not by_row[6].ok and by_row[6].errors[0].startswith("目录价：")
    assert not by_row[7].ok and "code" in by_row[7].errors[0]

    new = Product.objects.get(code="CH-900")
    assert (new.name_zh_hans, new.type, new.family.code) == ("900冷吨离心机", "equipment", "CHL")
    assert PriceBookEntry.objects.get(product=new, price_book=catalogue.partner).list_price == (
        Decimal("2500000")
    )
    assert CostPrice.objects.get(product=new, currency="CNY").amount == Decimal("1800000")
    assert catalogue.standard.entries.get(product=catalogue.chiller).list_price == 1050000
    assert not Product.objects.filter(code__in=["BAD-1", "CH-901"]).exists()


def test_importing_the_same_file_twice_changes_nothing_more(org, catalogue):
    run(org)
    counts = (Product.objects.count(), PriceBookEntry.objects.count(), CostPrice.objects.count())
    assert all(r.ok or r.errors for r in run(org))
    assert counts == (
        Product.objects.count(),
        PriceBookEntry.objects.count(),
        CostPrice.objects.count(),
    )


@pytest.mark.parametrize("name", ["rep1", "manager", "finance"])
def test_only_catalogue_editors_import(org, catalogue, name):
    with pytest.raises(NotAllowed):
        run(org, by=name)


def test_an_integration_user_imports_products_but_not_costs(org, catalogue):
    results = run(org, by="integration")
    assert not results[0].ok and "cost" in results[0].errors[0]
    assert results[1].ok


def test_an_excel_file_is_read_like_a_csv(org, catalogue):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["产品编码", "中文名称", "英文名称", "产品系列", "价格表", "目录价"])
    sheet.append(["CTL-1", "群控", "Plant control", "CHL", "Partner gold", 99000])
    raw = io.BytesIO()
    book.save(raw)
    records = importing.parse_upload(SimpleUploadedFile("c.xlsx", raw.getvalue()))
    (result,) = importing.import_rows(records=records, by=org.admin)
    assert result.ok and Product.objects.get(code="CTL-1").prices.get().list_price == 99000


def test_a_file_without_a_code_column_is_refused(org):
    with pytest.raises(UploadRefused):
        importing.parse_upload(upload("name_en\nX\n"))


def test_the_import_page_reports_each_row(browser_as, catalogue, django_assert_max_num_queries):
    client = browser_as("admin")
    assert client.get(reverse("products:import")).status_code == 200
    response = client.post(reverse("products:import"), {"file": upload(CSV)})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="import-report"' in page
    assert "CH-900" in page and "BAD-1" in page
    assert browser_as("rep1").get(reverse("products:import")).status_code == 403
