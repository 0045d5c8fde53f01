"""Timing and query counting of one hot path, and the transaction that leaves no trace."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


class _Undo(Exception):
    pass


def undone(fn: Callable[[], object]) -> float:
    """Run ``fn`` in a transaction that is rolled back; return the seconds ``fn`` took. The
    services' own ``atomic`` blocks become savepoints, so a claim or an advance can be measured
    many times on the same row."""
    took = 0.0
    try:
        with transaction.atomic():
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
            raise _Undo
    except _Undo:
        pass
    return took


def summarise(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"runs": 0}
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return {
        "runs": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(p95, 3),
        "min_ms": round(ms[0], 3),
    }


def timed(fn: Callable[[], object], *, iterations: int, warmup: int = 2, undo: bool = False):
    """Median, p95 and min of ``iterations`` runs after ``warmup`` unmeasured ones."""
    runs = []
    for i in range(warmup + iterations):
        if undo:
            took = undone(fn)
        else:
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
        if i >= warmup:
            runs.append(took)
    return summarise(runs)


def queries_of(fn: Callable[[], object], *, undo: bool = False) -> int:
    """How many queries one run makes (counted on a separate, untimed run)."""
    with CaptureQueriesContext(connection) as ctx:
        if undo:
            undone(fn)
        else:
            fn()
    # The savepoints of the undo wrapper and the services' atomic blocks are not queries of
    # the path.
    return sum(1 for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"].upper())
