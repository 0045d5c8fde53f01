"""Lead import from CSV or Excel: parse, validate each row, create the good ones, report the rest."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ltc.core.errors import DomainError

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

HEADER_ALIASES = {
    "title": "title",
    "标题": "title",
    "线索": "title",
    "线索标题": "title",
    "company_name": "company_name",
    "company": "company_name",
    "公司": "company_name",
    "公司名称": "company_name",
    "contact_name": "contact_name",
    "contact": "contact_name",
    "联系人": "contact_name",
    "phone": "phone",
    "电话": "phone",
    "手机": "phone",
    "email": "email",
    "e-mail": "email",
    "邮箱": "email",
    "电子邮件": "email",
    "source": "source",
    "来源": "source",
    "estimated_amount": "estimated_amount",
    "amount": "estimated_amount",
    "预计金额": "estimated_amount",
    "金额": "estimated_amount",
    "currency": "currency",
    "币种": "currency",
    "need": "need",
    "需求": "need",
    "notes": "notes",
    "备注": "notes",
}


class ImportRefused(DomainError):
    status_code = 400


@dataclass
class RowResult:
    row: int
    ok: bool
    lead_id: int | None = None
    title: str = ""
    errors: list[str] = field(default_factory=list)
    duplicate_of: int | None = None


def parse_upload(upload) -> list[dict]:
    """Rows of a CSV (UTF-8 or GB18030) or .xlsx upload as dicts keyed by our field names."""
    if upload.size > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB."))
    name = (upload.name or "").lower()
    raw = upload.read()
    if name.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(raw)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(raw)
    else:
        raise ImportRefused(_("Upload a .csv or .xlsx file."))
    if not rows:
        raise ImportRefused(_("The file has no header row."))
    header = [
        HEADER_ALIASES.get(
            str(h or "").strip().lower(), HEADER_ALIASES.get(str(h or "").strip(), "")
        )
        for h in rows[0]
    ]
    if "title" not in header or "company_name" not in header:
        raise ImportRefused(_("The header must name at least the title and company_name columns."))
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportRefused(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
    records = []
    for values in body:
        if not any(str(v or "").strip() for v in values):
            records.append(None)
            continue
        records.append(
            {
                key: ("" if v is None else str(v).strip())
                for key, v in zip(header, values, strict=False)
                if key
            }
        )
    return records


def _csv_rows(raw: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused(_("The file is neither UTF-8 nor GB18030 text."))
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc})


def _xlsx_rows(raw: bytes) -> list[list]:
    """The first sheet's rows. openpyxl parses with defusedxml when it is installed (it is: a
    system check of ltc.security insists), so a file declaring XML entities (an entity bomb, an
    external entity reading a server file) is refused, never expanded."""
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index > MAX_ROWS + 1:
                raise ImportRefused(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
            rows.append(list(row))
    except ImportRefused:
        raise
    except Exception as exc:
        if _caused_by(exc, DefusedXmlException):
            raise ImportRefused(
                _("The Excel file declares XML entities, which an upload may not contain.")
            )
        raise ImportRefused(_("The Excel file cannot be read."))
    return rows


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def import_rows(*, records: list[dict | None], by) -> list[RowResult]:
    """Create a lead per valid row (each row its own transaction); refuse the others with why."""
    return [
        import_row(number=number, record=record, by=by)
        for number, record in enumerate(records, start=2)
        if record is not None
    ]


def row_errors(record: dict) -> tuple[dict | None, list[str]]:
    """The row's validated lead fields, or the messages naming each field that is wrong."""
    from .api.serializers import LeadSerializer

    serializer = LeadSerializer(data=record)
    if not serializer.is_valid():
        return None, [
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in serializer.errors.items()
        ]
    data = dict(serializer.validated_data)
    data.pop("pool", None)
    return data, []


def import_row(*, number: int, record: dict, by) -> RowResult:
    """Validate one row and create its lead (in its own transaction), or say why not."""
    from . import services

    data, errors = row_errors(record)
    if errors:
        return RowResult(row=number, ok=False, title=record.get("title", ""), errors=errors)
    try:
        lead = services.create_lead(by=by, **data)
    except DomainError as exc:
        return RowResult(
            row=number, ok=False, title=record.get("title", ""), errors=[str(exc.detail)]
        )
    return RowResult(
        row=number, ok=True, lead_id=lead.pk, title=lead.title, duplicate_of=lead.duplicate_of_id
    )


def fingerprint(record: dict) -> str:
    """The same row, whatever file it comes in: its title, company, phone and e-mail normalised
    the way the duplicate rule normalises them (``ltc.core.normalize``)."""
    from ltc.core.normalize import company_key, email_key, phone_key

    parts = [
        " ".join(str(record.get("title", "")).split()).casefold(),
        company_key(record.get("company_name", "")),
        phone_key(record.get("phone", "")),
        email_key(record.get("email", "")),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
