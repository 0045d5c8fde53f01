"""Lead import from CSV or Excel: parse, validate each row, create the good ones, report the rest."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import DomainError
from ltc.core.uploads import MAX_BYTES, UploadRefused, read_rows, records_of

from . import fieldspec
from .models import Lead

MAX_ROWS = 5000
__all__ = ["MAX_BYTES", "MAX_ROWS", "ImportRefused", "import_rows", "parse_upload"]

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


# The columns the import page lists, in the order of a template file: the field spec's.
COLUMNS = fieldspec.IMPORTED
# The columns whose values are choices: a cell may hold the code ("trade_show") or the choice's
# label in any language we ship ("Trade show", "展会"), whatever language the uploader uses.
CHOICE_COLUMNS = tuple(name for name in COLUMNS if Lead._meta.get_field(name).choices)


def _key(text) -> str:
    return " ".join(str(text).split()).casefold()


def _in_every_language(text) -> list[str]:
    texts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.append(force_str(text))
    return texts


def _lead_fields() -> dict:
    from .models import Lead

    return {field.name: field for field in Lead._meta.get_fields() if hasattr(field, "choices")}


@functools.cache  # the choices and the catalogue are fixed while the process runs
def choice_values(column: str) -> dict[str, str]:
    """Every spelling a cell of ``column`` may use (code or label, any language) → the code."""
    values = {}
    for code, label in _lead_fields()[column].choices:
        for text in (code, *_in_every_language(label)):
            values.setdefault(_key(text), code)
    return values


def header_aliases() -> dict[str, str]:
    """The fixed aliases, plus each column's field label in every language we ship."""
    aliases = dict(HEADER_ALIASES)
    fields = _lead_fields()
    for name in set(HEADER_ALIASES.values()):
        for label in _in_every_language(fields[name].verbose_name):
            aliases.setdefault(label.strip().lower(), name)
            aliases.setdefault(label.strip(), name)
    return aliases


def column_label(name: str) -> str:
    """The field's label in the current language ("来源", "Source"); the name if none."""
    field = _lead_fields().get(name)
    label = force_str(field.verbose_name) if field is not None else name
    return label[:1].upper() + label[1:]


def with_choice_codes(record: dict) -> dict:
    """The record with each choice cell given as a label (either language) turned into its code;
    a value that is no choice's code or label stays as it is, for the validation to refuse."""
    record = dict(record)
    for column in CHOICE_COLUMNS:
        value = record.get(column)
        if value:
            record[column] = choice_values(column).get(_key(value), value)
    return record


# A file refused as a whole; the name the lead import has always used.
ImportRefused = UploadRefused


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
    header, records = records_of(read_rows(upload, max_rows=MAX_ROWS), header_aliases())
    if "title" not in header or "company_name" not in header:
        raise ImportRefused(
            _("The header must name at least the %(title)s and %(company)s columns.")
            % {"title": column_label("title"), "company": column_label("company_name")}
        )
    return records


def import_rows(*, records: list[dict | None], by) -> list[RowResult]:
    """Create a lead per valid row (each row its own transaction); refuse the others with why."""
    return [
        import_row(number=number, record=record, by=by)
        for number, record in enumerate(records, start=2)
        if record is not None
    ]


def row_errors(record: dict) -> tuple[dict | None, list[str]]:
    """The row's validated lead fields, or the messages naming (by its label, in the current
    language) each field that is wrong."""
    from .api.serializers import LeadSerializer

    serializer = LeadSerializer(data=with_choice_codes(record))
    if not serializer.is_valid():
        return None, [
            _("%(field)s: %(errors)s")
            % {"field": column_label(name), "errors": " ".join(str(m) for m in messages)}
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
