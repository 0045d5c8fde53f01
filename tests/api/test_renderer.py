"""The API's orjson renderer writes the bytes DRF's JSONRenderer writes, whatever the data."""

import datetime as dt
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from ltc.core.renderers import ORJSONRenderer

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),  # any code point: non-ASCII, quotes, controls, U+2028/U+2029
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.datetimes(timezones=st.sampled_from([UTC, SHANGHAI])),
    st.dates(),
    st.times(),
    st.uuids(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.text(max_size=8), inner, max_size=5),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_orjson_renderer_writes_drfs_bytes(data):
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_lazy_text_decimals_and_line_separators_are_written_as_drf_writes_them():
    data = {
        "label": gettext_lazy("Invalid input"),
        "amount": Decimal("12.50"),
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        "id": uuid.UUID(int=7),
        "text": "a\u2028b\u2029c “引号”",
        1: "int key",
    }
    rendered = ORJSONRenderer().render(data)
    assert rendered == JSONRenderer().render(data)
    assert b'"2026-01-02T03:04:05.600000Z"' in rendered and b"\\u2028" in rendered


def test_indented_output_and_no_data_follow_drf():
    ctx = {"indent": 2}
    data = {"a": [1, 2]}
    assert ORJSONRenderer().render(data, "application/json", ctx) == JSONRenderer().render(
        data, "application/json", ctx
    )
    assert ORJSONRenderer().render(None) == b""
