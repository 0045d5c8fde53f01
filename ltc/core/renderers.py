"""The API's JSON renderer: orjson, giving the bytes DRF's ``JSONRenderer`` gives.

DRF's renderer runs the standard library's encoder with a Python ``default`` hook; orjson
encodes the same structures several times faster (a page of 50 leads: the renderer was 8% of an
API worker's CPU). What orjson does not know itself (lazy translations, Decimal where a field
is not coerced to a string, sets, generators, querysets) goes to DRF's own encoder's
``default``, so every value is written as DRF would write it; and U+2028/U+2029 are escaped, as
DRF escapes them for JavaScript. ``tests/api/test_renderer.py`` compares the two byte for byte.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
# Datetimes and dataclasses as DRF writes them (``Z`` for UTC; dataclasses refused); keys that
# are not strings turned into strings, as the standard library does.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_OPTIONS |= orjson.OPT_NON_STR_KEYS


def _default(value):
    return _ENCODER.default(value)


def dumps(data) -> bytes:
    """``data`` as DRF's compact, non-ASCII-preserving JSON."""
    out = orjson.dumps(data, default=_default, option=_OPTIONS)
    if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
        out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return out


class ORJSONRenderer(JSONRenderer):
    """DRF's JSON renderer with orjson underneath; indented output (``; indent=``) and the
    rare structures orjson refuses go through DRF's own path."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            return dumps(data)
        except (TypeError, orjson.JSONEncodeError):
            return super().render(data, accepted_media_type, renderer_context)
