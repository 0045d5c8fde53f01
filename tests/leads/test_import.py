"""Lead import from CSV (UTF-8, GB18030) and Excel: good rows become leads, bad rows say why."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from leads.importing import MAX_BYTES, ImportRefused, import_rows, parse_upload
from leads.models import Lead

HEADER = ["标题", "公司名称", "联系人", "电话", "邮箱", "来源", "预计金额", "币种"]
GOOD = [
    "MES 项目",
    "苏州精密机械有限公司",
    "李雷",
    "13900001111",
    "li@szjm.cn",
    "trade_show",
    "1200000",
    "CNY",
]
BAD_SOURCE = ["ERP 项目", "杭州某某公司", "韩梅梅", "", "", "carrier_pigeon", "", "CNY"]
BAD_AMOUNT = ["WMS 项目", "宁波某某公司", "", "", "", "website", "-5", "CNY"]
BAD_EMAIL = ["CRM 项目", "上海某某公司", "", "", "not-an-email", "website", "", "CNY"]
NO_TITLE = ["", "无锡某某公司", "", "", "", "website", "", "CNY"]


def csv_upload(rows, encoding="utf-8", name="leads.csv"):
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_upload(rows, name="leads.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def import_file(upload, by):
    return import_rows(records=parse_upload(upload), by=by)


def import_in_default_language(upload, by):
    """The import in the default language (Chinese), whatever an earlier request in this
    thread left activated."""
    with translation.override(settings.LANGUAGE_CODE):
        return import_file(upload, by)


def assert_good_created_and_bad_refused(results):
    by_row = {r.row: r for r in results}
    assert (
        by_row[2].ok
        and Lead.objects.get(pk=by_row[2].lead_id).company_name == "苏州精密机械有限公司"
    )
    # Each error names its field by the label the user knows (Chinese, the default language).
    assert not by_row[3].ok and by_row[3].errors[0].startswith("来源:")
    assert not by_row[4].ok and by_row[4].errors[0].startswith("预估金额:")
    assert not by_row[5].ok and by_row[5].errors[0].startswith("电子邮箱:")
    assert not by_row[6].ok and by_row[6].errors[0].startswith("标题:")
    assert Lead.objects.count() == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_with_chinese_headers_imports_good_rows_and_refuses_bad_ones(org, encoding):
    upload = csv_upload([HEADER, GOOD, BAD_SOURCE, BAD_AMOUNT, BAD_EMAIL, NO_TITLE], encoding)
    assert_good_created_and_bad_refused(import_in_default_language(upload, org.marketing))
    lead = Lead.objects.get()
    assert (lead.title, lead.contact_name, lead.source, lead.state) == (
        "MES 项目",
        "李雷",
        "trade_show",
        "new",
    )
    assert lead.created_by == org.marketing


def test_xlsx_imports_good_rows_and_refuses_bad_ones(org):
    upload = xlsx_upload([HEADER, GOOD, BAD_SOURCE, BAD_AMOUNT, BAD_EMAIL, NO_TITLE])
    assert_good_created_and_bad_refused(import_in_default_language(upload, org.marketing))


def test_xlsx_numbers_and_empty_rows_are_read(org):
    row = list(GOOD)
    row[6] = 1200000  # a number cell, not text
    results = import_file(xlsx_upload([HEADER, [None] * 8, row]), org.marketing)
    assert [r.ok for r in results] == [True]
    assert Lead.objects.get().estimated_amount == 1200000


def test_english_headers_and_duplicates_are_reported(org):
    header = ["title", "company", "phone", "source"]
    rows = [
        header,
        ["A", "Acme", "13911112222", "website"],
        ["B", "Other", "+86 139-1111-2222", "website"],
    ]
    results = import_file(csv_upload(rows), org.marketing)
    assert [r.ok for r in results] == [True, True]
    assert results[1].duplicate_of == results[0].lead_id


def test_a_role_that_may_not_create_leads_gets_every_row_refused(org):
    results = import_file(csv_upload([HEADER, GOOD]), org.finance)
    assert [r.ok for r in results] == [False]
    assert results[0].errors
    assert not Lead.objects.exists()


def test_oversized_upload_is_refused(org):
    upload = SimpleUploadedFile("big.csv", b"x" * (MAX_BYTES + 1))
    with pytest.raises(ImportRefused):
        parse_upload(upload)


@pytest.mark.parametrize("name", ["leads.pdf", "leads.xls", "leads", "leads.csv.exe"])
def test_wrong_extension_is_refused(org, name):
    with pytest.raises(ImportRefused):
        parse_upload(SimpleUploadedFile(name, b"title,company\nA,B\n"))


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("leads.csv", b""),
        SimpleUploadedFile("leads.csv", b"name,city\nA,B\n"),
        SimpleUploadedFile("leads.xlsx", b"not really excel"),
    ],
    ids=["empty", "no-title-column", "broken-xlsx"],
)
def test_unreadable_files_are_refused_with_a_reason(org, upload):
    with pytest.raises(ImportRefused) as info:
        parse_upload(upload)
    assert str(info.value.detail)


@pytest.mark.parametrize(
    "source,currency",
    [
        ("展会", "人民币"),  # the Chinese labels
        ("Trade show", "Chinese yuan"),  # the English labels
        (" trade SHOW ", "cny"),  # spacing and case do not matter
        ("trade_show", "CNY"),  # the codes
    ],
)
def test_choices_are_accepted_by_their_label_in_either_language_or_their_code(
    org, source, currency
):
    row = ["MES 项目", "苏州精密机械有限公司", "", "", "", source, "1200000", currency]
    for language in ("zh-hans", "en"):  # whatever the uploader's language
        Lead.objects.all().delete()
        with translation.override(language):
            results = import_file(csv_upload([HEADER, row]), org.marketing)
        assert [r.ok for r in results] == [True], results[0].errors
        lead = Lead.objects.get()
        assert (lead.source, lead.currency) == ("trade_show", "CNY")


def test_headers_may_be_the_fields_labels_in_either_language(org):
    header = ["Title", "Company", "来源", "电子邮箱", "Estimated amount"]
    row = ["MES 项目", "苏州精密机械有限公司", "官网", "li@szjm.cn", "5000"]
    results = import_file(csv_upload([header, row]), org.marketing)
    assert [r.ok for r in results] == [True], results[0].errors
    lead = Lead.objects.get()
    assert (lead.source, lead.email, lead.estimated_amount) == ("website", "li@szjm.cn", 5000)


def test_errors_name_the_field_by_its_label_in_the_users_language(org):
    with translation.override("en"):
        results = import_file(csv_upload([HEADER, BAD_SOURCE, BAD_AMOUNT]), org.marketing)
    assert results[0].errors[0].startswith("Source: ") and "carrier_pigeon" in results[0].errors[0]
    assert results[1].errors[0].startswith("Estimated amount: ")
    with translation.override("zh-hans"):
        results = import_file(csv_upload([HEADER, BAD_SOURCE]), org.marketing)
    assert results[0].errors[0].startswith("来源: ")
    assert not any("source" in error for result in results for error in result.errors)


def test_a_file_without_the_required_columns_names_them_by_their_labels(org):
    with translation.override("zh-hans"), pytest.raises(ImportRefused) as info:
        parse_upload(SimpleUploadedFile("leads.csv", "电话,邮箱\n1,2\n".encode()))
    assert "标题" in str(info.value.detail) and "公司" in str(info.value.detail)
    assert "company_name" not in str(info.value.detail)


def test_the_import_page_lists_the_columns_and_sources_by_their_labels(org, client):
    client.force_login(org.marketing)
    page = client.get("/leads/import/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "展会" in page.text and "预估金额" in page.text
    assert "trade_show" not in page.text and "company_name" not in page.text
