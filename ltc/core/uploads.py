"""Tables uploaded as CSV (UTF-8 or GB18030) or Excel (.xlsx): read into rows, then into records
keyed by our field names through a table of header aliases (English or Chinese). Shared by every
import (leads, the catalogue); each import validates and saves its own rows."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext_lazy as _

from .errors import DomainError

MAX_BYTES = 5 * 1024 * 1024


class UploadRefused(DomainError):
    """A file that cannot be imported at all (HTTP 400); a bad row is reported, not refused."""

    status_code = 400


def read_rows(upload, *, max_rows: int) -> list[list]:
    """The rows of the uploaded file, its header first."""
    if upload.size > MAX_BYTES:
        raise UploadRefused(_("The file is larger than 5 MB."))
    name = (upload.name or "").lower()
    raw = upload.read()
    if name.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(raw, max_rows)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(raw)
    else:
        raise UploadRefused(_("Upload a .csv or .xlsx file."))
    if not rows:
        raise UploadRefused(_("The file has no header row."))
    if len(rows) - 1 > max_rows:
        raise UploadRefused(_("At most %(max)s rows per file.") % {"max": max_rows})
    return rows


def records_of(rows: list[list], aliases: dict[str, str]) -> tuple[list[str], list[dict | None]]:
    """The header as our field names ("" for a column we do not know) and one record per body
    row (None for an empty row, so row numbers stay those of the file)."""
    header = [
        aliases.get(str(h or "").strip().lower(), aliases.get(str(h or "").strip(), ""))
        for h in rows[0]
    ]
    records: list[dict | None] = []
    for values in rows[1:]:
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
    return header, records


def _csv_rows(raw: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadRefused(_("The file is neither UTF-8 nor GB18030 text."))
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise UploadRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc})


def _xlsx_rows(raw: bytes, max_rows: int) -> list[list]:
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
            if index > max_rows + 1:
                raise UploadRefused(_("At most %(max)s rows per file.") % {"max": max_rows})
            rows.append(list(row))
    except UploadRefused:
        raise
    except Exception as exc:
        if _caused_by(exc, DefusedXmlException):
            raise UploadRefused(
                _("The Excel file declares XML entities, which an upload may not contain.")
            )
        raise UploadRefused(_("The Excel file cannot be read."))
    return rows


def _caused_by(exc: BaseException | None, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
