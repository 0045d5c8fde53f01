"""Bad files for the lead import: random bytes under any name, random CSV text (unicode, NUL,
huge cells, ragged rows), a truncated real Excel file, too many rows and an oversized upload.
The parser either reads rows or refuses with a reason (never another exception); a row becomes a
lead or is refused with its errors; the page answers 200 with the reason and creates nothing."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.importing import MAX_BYTES, MAX_ROWS, ImportRefused, import_rows, parse_upload
from leads.models import Lead

from ..profiles import examples

NAMES = st.sampled_from(["leads.csv", "leads.xlsx", "leads.txt", "leads.xlsm", "LEADS.CSV"])
CELL = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["\x00", "x" * 20000, "-1", "1e400", "NaN", "=cmd|' /C calc'!A0", "😀"]),
)


@settings(max_examples=examples(150), deadline=None)
@given(name=NAMES, raw=st.binary(max_size=4000))
def test_random_bytes_are_read_or_refused_with_a_reason(name, raw):
    try:
        records = parse_upload(SimpleUploadedFile(name, raw))
    except ImportRefused as exc:
        assert str(exc.detail)
    else:
        assert isinstance(records, list)


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.django_db
@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=8), min_size=1, max_size=6))
def test_random_rows_become_leads_or_are_refused_with_their_errors(org, rows):
    header = ["title", "company_name", "contact_name", "phone", "email", "source", "amount"]
    upload = SimpleUploadedFile("leads.csv", _csv([header, *rows]))
    before = Lead.objects.count()
    results = import_rows(records=parse_upload(upload), by=org.marketing)
    created = [r for r in results if r.ok]
    assert all(r.errors for r in results if not r.ok)
    assert Lead.objects.count() == before + len(created)


@pytest.fixture
def page(browser_as):
    return browser_as("marketing")


def _post(page, name, content):
    return page.post(
        reverse("leads:import"),
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_oversized_upload_is_refused_on_the_page(page, org):
    response = _post(page, "big.csv", b"title,company_name\n" + b"x" * MAX_BYTES)
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    assert not Lead.objects.exists()


def test_too_many_rows_are_refused_on_the_page(page, org):
    rows = [["title", "company_name"]] + [[f"Lead {i}", "Co"] for i in range(MAX_ROWS + 1)]
    response = _post(page, "many.csv", _csv(rows))
    assert response.status_code == 200
    assert f"At most {MAX_ROWS} rows" in response.content.decode()
    assert not Lead.objects.exists()


def test_a_truncated_excel_file_is_refused_on_the_page(page, org):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["title", "company_name"])
    for i in range(200):
        book.active.append([f"Lead {i}", "苏州精密"])
    data = io.BytesIO()
    book.save(data)
    response = _post(page, "cut.xlsx", data.getvalue()[: len(data.getvalue()) // 2])
    assert response.status_code == 200
    assert "cannot be read" in response.content.decode()
    assert not Lead.objects.exists()


def test_a_text_file_that_is_neither_utf8_nor_gb18030_is_refused(page, org):
    response = _post(page, "leads.csv", b"title,company_name\n\xff\xfe\x00\xd8\x81\x30\x81")
    assert response.status_code == 200
    assert not Lead.objects.exists()
