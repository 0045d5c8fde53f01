"""Lead import from CSV or Excel: parse, validate each row, create the good ones, report the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ltc.core.errors import DomainError
from ltc.core.uploads import MAX_BYTES, UploadRefused, read_rows, records_of

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
    header, records = records_of(read_rows(upload, max_rows=MAX_ROWS), HEADER_ALIASES)
    if "title" not in header or "company_name" not in header:
        raise ImportRefused(_("The header must name at least the title and company_name columns."))
    return records


def import_rows(*, records: list[dict | None], by) -> list[RowResult]:
    """Create a lead per valid row (each row its own transaction); refuse the others with why."""
    from . import services
    from .api.serializers import LeadSerializer

    results = []
    for number, record in enumerate(records, start=2):
        if record is None:
            continue
        serializer = LeadSerializer(data=record)
        if not serializer.is_valid():
            errors = [
                f"{name}: {' '.join(str(m) for m in messages)}"
                for name, messages in serializer.errors.items()
            ]
            results.append(
                RowResult(row=number, ok=False, title=record.get("title", ""), errors=errors)
            )
            continue
        data = dict(serializer.validated_data)
        data.pop("pool", None)
        try:
            lead = services.create_lead(by=by, **data)
        except DomainError as exc:
            results.append(
                RowResult(
                    row=number, ok=False, title=record.get("title", ""), errors=[str(exc.detail)]
                )
            )
            continue
        results.append(
            RowResult(
                row=number,
                ok=True,
                lead_id=lead.pk,
                title=lead.title,
                duplicate_of=lead.duplicate_of_id,
            )
        )
    return results
