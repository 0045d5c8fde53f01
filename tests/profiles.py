"""Two test profiles: ``full`` (CI) and ``fast`` (``make test`` on a laptop).

The profile is ``LTC_TEST_PROFILE`` (``fast`` or ``full``); unset, it is ``full`` when CI=true and
``fast`` otherwise. Hypothesis loads the profile of the same name (tests/conftest.py). The fast
profile never skips a rule: a property test runs fewer examples, and a crawl that checks every
(user, page) or (field, bad value) pair checks each user and each page, or each field and each bad
value, on a sample of the pairs instead of all of them (``pairs``). CI runs the full form.
"""

import math
import os

IN_CI = os.environ.get("CI", "").lower() == "true"
PROFILE = os.environ.get("LTC_TEST_PROFILE", "").strip().lower() or ("full" if IN_CI else "fast")
if PROFILE not in ("fast", "full"):
    raise RuntimeError(f"LTC_TEST_PROFILE must be 'fast' or 'full', not {PROFILE!r}")
FULL = PROFILE == "full"

# The fast profile runs about a quarter of the examples (at least 3) of each property test, and a
# crawl checks one pair in STRIDE.
FAST_SHARE = 4
STRIDE = 3


def examples(full: int, fast: int | None = None) -> int:
    """The ``max_examples`` of a property test: ``full`` in the full profile, else ``fast`` or a
    quarter of ``full``. A stateful test that asserts its random steps did enough passes its own
    ``fast`` (the fewest examples with which that check still holds)."""
    if FULL:
        return full
    return fast if fast is not None else max(3, math.ceil(full / FAST_SHARE))


def pairs(rows, cols, stride: int = STRIDE) -> list[tuple]:
    """Every (row, col) pair in the full profile. In the fast profile, one pair in ``stride``,
    staggered (row i takes the columns j with (i + j) % stride == 0) so that every row still
    meets about 1/stride of the columns and every column still meets some rows."""
    rows, cols = list(rows), list(cols)
    if FULL or stride <= 1:
        return [(row, col) for row in rows for col in cols]
    chosen = {(i, j) for i in range(len(rows)) for j in range(len(cols)) if (i + j) % stride == 0}
    # Too few rows or columns to meet every one by the stagger: give each its own pair.
    chosen |= {(i, i % len(cols)) for i in range(len(rows))} if cols else set()
    chosen |= {(j % len(rows), j) for j in range(len(cols))} if rows else set()
    return [(rows[i], cols[j]) for i, j in sorted(chosen)]


def some(items, fast: int) -> list:
    """All the items in the full profile; ``fast`` of them, spread evenly, in the fast one."""
    items = list(items)
    if FULL or len(items) <= fast:
        return items
    step = len(items) / fast
    return [items[int(k * step)] for k in range(fast)]
