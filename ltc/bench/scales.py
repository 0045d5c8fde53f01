"""Bench runs of several sizes side by side (``manage.py bench_scales``, ``make bench-scales``).

Each run of ``manage.py bench`` times the hot paths on one generated company; this puts the runs
at 100k, 1M and 10M leads next to each other, so a reader sees which paths stay flat as the leads
grow and which grow with them. The company around the leads (deals, contracts, orders, invoices)
has the same size in every run (``--scale``), so what grows is what reads the leads.

A path that answers one page of a list (``PAGED``) or one record (``ONE_RECORD``) must stay flat:
its median at the largest size at most ``FLAT_GROWTH`` times its median at the smallest (issue 20:
no more than 20% from 100k to 10M). The figures (dashboards, the recovery sweep) read the period's
rows and are expected to grow; for them the table shows the growth and the ratio to the floor,
which tells whether the path or the data is what grows.
"""

from __future__ import annotations

import json
from pathlib import Path

from .report import _fmt, generation_target_seconds, verdict

PAGED = frozenset(
    {
        "lead_pool_page",
        "lead_pool_api",
        "lead_list_api",
        "lead_list_page",
        "invoiceable_queue_api",
        "invoiceable_queue_page",
    }
)
ONE_RECORD = frozenset({"lead_claim", "opportunity_page", "opportunity_advance"})
FLAT_GROWTH = 1.2


def leads_of(run: dict) -> int:
    return int(((run.get("generation") or {}).get("rows") or {}).get("leads", 0))


def size_label(leads: int) -> str:
    if leads >= 1_000_000 and leads % 1_000_000 == 0:
        return f"{leads // 1_000_000}M"
    if leads >= 1_000 and leads % 1_000 == 0:
        return f"{leads // 1_000}k"
    return f"{leads:,}"


def kind_of(name: str) -> str:
    if name in PAGED:
        return "page"
    if name in ONE_RECORD:
        return "record"
    return "figure"


def growth(first: dict | None, last: dict | None) -> float | None:
    """The largest run's median over the smallest's, for a path timed in both."""
    if not first or not last or not first.get("median_ms") or last.get("median_ms") is None:
        return None
    return round(last["median_ms"] / first["median_ms"], 2)


def flat(name: str, ratio: float | None) -> bool | None:
    """Whether a page or record path stayed within ``FLAT_GROWTH``; None for the figures."""
    if kind_of(name) == "figure" or ratio is None:
        return None
    return ratio <= FLAT_GROWTH


def _cell(row: dict | None) -> str:
    if not row:
        return "–"
    return f"{_fmt(row.get('median_ms'))} (×{_fmt(row.get('ratio_to_floor'))})"


def load(paths: list[Path]) -> list[dict]:
    """The runs in the order of their lead counts, smallest first."""
    return sorted((json.loads(Path(p).read_text()) for p in paths), key=leads_of)


def markdown(runs: list[dict]) -> str:
    """The table: each path's median and × floor per size, its growth and whether it is flat."""
    sizes = [size_label(leads_of(run)) for run in runs]
    names = list(dict.fromkeys(name for run in runs for name in run.get("paths", {})))
    span = f"{sizes[0]} → {sizes[-1]}"  # the command takes one run at least
    lines = [
        "| hot path | kind | " + " | ".join(f"{s} ms (× floor)" for s in sizes) + f" | {span} | |",
        "|---|---|" + "---:|" * len(sizes) + "---:|---|",
    ]
    for name in names:
        rows = [run.get("paths", {}).get(name) for run in runs]
        # The largest run's label: some labels carry a count of that run (the overdue leads).
        label = next(row["label"] for row in reversed(rows) if row)
        ratio = growth(rows[0], rows[-1])
        verdict_text = {True: "flat", False: "**grows**", None: "–"}[flat(name, ratio)]
        lines.append(
            f"| {label} | {kind_of(name)} | "
            + " | ".join(_cell(row) for row in rows)
            + f" | {'×' + _fmt(ratio) if ratio is not None else '–'} | {verdict_text} |"
        )
    out = [
        "Bench runs side by side ("
        + ", ".join(
            f"{size}: {run['environment']['at']}, load average {run['environment'].get('load_average_at_start')}"
            for size, run in zip(sizes, runs, strict=True)
        )
        + f"). A page or record path is flat when its median at {sizes[-1]} is "
        f"at most ×{FLAT_GROWTH} its median at {sizes[0]}.",
        "",
        *lines,
        "",
        *_other_lines(runs, sizes),
    ]
    return "\n".join(out) + "\n"


def _other_lines(runs: list[dict], sizes: list[str]) -> list[str]:
    """Throughput and generation per size."""
    lines = [
        "| per size | " + " | ".join(sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    throughput = [run.get("throughput") or {} for run in runs]
    lines.append(
        "| GET /api/v1/leads/ req/s (floor req/s) | "
        + " | ".join(
            f"{_fmt(t.get('rps'), 0)} ({_fmt((t.get('floor') or {}).get('rps'), 0)})" if t else "–"
            for t in throughput
        )
        + " |"
    )
    cells = []
    for run in runs:
        gen = run.get("generation") or {}
        if not gen:
            cells.append("–")
            continue
        target = generation_target_seconds(leads_of(run))
        cells.append(
            f"{sum(gen.get('rows', {}).values()):,} rows in {_fmt(gen.get('seconds'), 0)} s "
            f"(≤ {target:,} s: {verdict(gen.get('seconds', 0) <= target)})"
        )
    lines.append("| generation | " + " | ".join(cells) + " |")
    return lines


def write(runs: list[dict], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(runs))
    return out
