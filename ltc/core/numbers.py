"""Whole numbers typed by users (ids, page numbers) read one way everywhere.

``str.isdigit`` is true for "²" and "١٢", which ``int`` refuses or reads as another number, and
``int`` refuses a string of more than 4,300 digits: a parameter read with them answers 500 instead
of a clear 400. ``whole_number`` takes ASCII digits only, at most 18 of them (the database's
bigint)."""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(text) -> int | None:
    """The number ``text`` spells in ASCII digits (surrounding blanks allowed), else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    return int(text) if DIGITS.fullmatch(text) else None
