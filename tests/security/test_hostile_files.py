"""Files users upload or download are data, never code: an uploaded .xlsx with an XML entity
bomb (billion laughs) or an external entity is refused with a reason (defusedxml parses it),
and text cells of the exports that Excel would take for a formula are stored as text."""

import io
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from leads.importing import ImportRefused, parse_upload
from leads.models import Lead

pytestmark = pytest.mark.django_db

LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1 if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _hostile_xlsx(prolog: str, entity: str) -> bytes:
    """A real workbook (title, company_name header and one row) whose XML holding the cell
    texts declares ``prolog`` and uses ``&entity;`` in a cell."""
    book = Workbook()
    book.active.append(["title", "company_name"])
    book.active.append(["MARKER", "ACME"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if b"MARKER" in data:  # the shared strings (or the sheet, for inline strings)
                text = data.decode()
                if text.startswith("<?xml"):
                    text = text.split("?>", 1)[1].lstrip()
                data = (prolog + text.replace("MARKER", f"&{entity};")).encode()
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "content", [_hostile_xlsx(LAUGHS, "lol9"), _hostile_xlsx(EXTERNAL, "xxe")], ids=["bomb", "xxe"]
)
def test_an_xlsx_with_xml_entities_is_refused_by_defusedxml(org, content):
    with translation.override("en"):
        with pytest.raises(ImportRefused) as refused:
            parse_upload(SimpleUploadedFile("leads.xlsx", content))
        assert refused.value.status_code == 400
        assert "declares XML entities" in str(refused.value.detail)


def test_the_import_page_refuses_an_entity_bomb_with_a_message(org, browser_as):
    response = browser_as("marketing").post(
        reverse("leads:import"),
        {"file": SimpleUploadedFile("leads.xlsx", _hostile_xlsx(LAUGHS, "lol9"))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "declares XML entities" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_system_check_insists_that_openpyxl_parses_with_defusedxml(monkeypatch):
    from openpyxl import xml

    from ltc.security.checks import openpyxl_parses_with_defusedxml

    assert openpyxl_parses_with_defusedxml(None) == []
    monkeypatch.setattr(xml, "DEFUSEDXML", False)
    assert [e.id for e in openpyxl_parses_with_defusedxml(None)] == ["ltc.security.E001"]


HOSTILE_NAMES = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def competitors(org):
    import time_machine

    from tests.dashboards.builders import at, deal

    with time_machine.travel(at("2026-06-15"), tick=False):
        for index, name in enumerate(HOSTILE_NAMES):
            deal(
                org.rep1,
                state="lost",
                closed=f"2026-03-{index + 1:02d}",
                loss_reason="competitor",
                loss_competitor=name,
            )
        yield


def _export(client, fmt):
    return client.get(
        "/dashboards/export/", {"table": "competitors", "format": fmt, "period": "2026"}
    )


def test_csv_export_cells_that_look_like_formulas_are_quoted(org, browser_as, competitors):
    import csv

    response = _export(browser_as("admin"), "csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {row[0] for row in rows[1:]}
    assert names == {"'" + name for name in HOSTILE_NAMES}


def test_xlsx_export_stores_formula_like_text_as_text(org, browser_as, competitors):
    response = _export(browser_as("admin"), "xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.content)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert {cell.value for cell in cells} == {n.replace("\r", "\n") for n in HOSTILE_NAMES}
    assert all(cell.data_type == "s" for cell in cells)
