"""CSV and Excel exports of the dashboard tables, computed by the same figure functions as the
pages and the API (``tables.py`` says which rows and columns)."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from django.utils.encoding import force_str
from openpyxl import Workbook

from ltc.core.spreadsheets import append_xlsx_row, csv_cell

from .params import FigureRequest
from .tables import FIGURES, TABLES_BY_NAME, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_rows(table: Table, result: dict) -> list[list]:
    """The table's rows as cells: numbers stay numbers (money as Decimal), text as text."""
    rows = []
    for row in table.rows(result):
        cells = []
        for column in table.columns:
            value = row.get(column.key)
            cells.append(force_str(value) if column.kind == "text" and value is not None else value)
        rows.append(cells)
    return rows


def export(figure: FigureRequest, name: str, fmt: str) -> HttpResponse:
    table = TABLES_BY_NAME.get(name)
    if table is None or fmt not in ("csv", "xlsx"):
        raise Http404("export")
    result = FIGURES[table.figure](figure)
    header = [force_str(column.label) for column in table.columns]
    rows = table_rows(table, result)
    filename = f"{name}-{figure.period.label}.{fmt}".replace("–", "_")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so that Excel reads UTF-8 (Chinese names) correctly
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([csv_cell(cell) for cell in row] for row in rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = name[:31]
        append_xlsx_row(sheet, header)
        for row in rows:
            append_xlsx_row(sheet, row)
        for index, column in enumerate(table.columns, start=1):
            if column.kind == "money":
                for cell in sheet.iter_cols(min_col=index, max_col=index, min_row=2):
                    for item in cell:
                        item.number_format = "#,##0.00"
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
