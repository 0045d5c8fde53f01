"""Cells of the CSV and Excel files we hand out. A text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is a formula to Excel (or a DDE call: ``=cmd|...``); a
customer or competitor name typed that way would run on the reader's machine. Every export
writes its cells through this module."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """A CSV cell: empty for None, a text that looks like a formula behind a quote (``'=1+1``,
    which Excel shows as text), anything else as it is."""
    if value is None:
        return ""
    if looks_like_formula(value):
        return "'" + value
    return value


def append_xlsx_row(sheet, values) -> None:
    """Append a row to an openpyxl sheet with every text cell stored as text: openpyxl would
    store a string starting with ``=`` as a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
