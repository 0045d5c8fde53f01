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
        took = _run(fn, undo)
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


def interleaved(
    fn: Callable[[], object],
    floor_fn: Callable[[], object],
    *,
    rounds: int,
    warmup: int = 2,
    undo: bool = False,
) -> tuple[dict, dict, float | None]:
    """Time ``fn`` and its floor in alternating rounds (path, floor, path, floor…), so whatever
    else loads the machine at a moment loads both alike; the ratio is the median of the rounds'
    ratios, not the ratio of two medians taken at different times. Returns the path's summary,
    the floor's summary and that median ratio."""
    path_runs, floor_runs, ratios = [], [], []
    for i in range(warmup + rounds):
        # The order alternates too: neither side always runs on the caches the other warmed.
        first, second = (fn, floor_fn) if i % 2 == 0 else (floor_fn, fn)
        a, b = _run(first, undo), _run(second, undo)
        took, floor_took = (a, b) if i % 2 == 0 else (b, a)
        if i < warmup:
            continue
        path_runs.append(took)
        floor_runs.append(floor_took)
        if floor_took > 0:
            ratios.append(took / floor_took)
    ratio = round(statistics.median(ratios), 2) if ratios else None
    return summarise(path_runs), summarise(floor_runs), ratio


def _run(fn: Callable[[], object], undo: bool) -> float:
    if undo:
        return undone(fn)
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# The tables a rolled-back recovery sweep leaves dead rows in (the moved leads and what the
# sweep wrote about them).
SWEPT_TABLES = (
    "leads_lead",
    "leads_leadrecovery",
    "activity_transitionlog",
    "activity_notification",
)


def vacuum_analyze(tables=SWEPT_TABLES) -> str:
    """``VACUUM (ANALYZE)`` of ``tables`` on PostgreSQL (outside any transaction, as VACUUM
    must be): what the bench runs after the recovery step, so the throughput run after it (and
    the next bench on the same database) reads a table without the sweep's dead rows. Says what
    it did."""
    if connection.vendor != "postgresql":
        return "vacuum: not PostgreSQL, skipped"
    if connection.in_atomic_block:
        return "vacuum: inside a transaction, skipped"
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    return f"vacuum analyze of {', '.join(tables)}: {time.perf_counter() - t0:.1f} s"
