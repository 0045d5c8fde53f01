"""What text can be stored: PostgreSQL refuses a NUL byte in any text value, and an unpaired
surrogate cannot be encoded to UTF-8 at all. Both can only come from hostile or broken input."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE = {0: "?", **{code: "?" for code in range(0xD800, 0xE000)}}


def unstorable(text) -> bool:
    """Whether ``text`` (a str; other values are fine) holds a NUL or an unpaired surrogate."""
    return isinstance(text, str) and _UNSTORABLE.search(text) is not None


def first_unstorable(value, path: str = "") -> str | None:
    """The path (``lines[0].label``) of the first unstorable string in parsed JSON, or None."""
    if isinstance(value, str):
        return path or "body" if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if unstorable(key):
                return here.translate(UNSTORABLE)
            found = first_unstorable(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None
