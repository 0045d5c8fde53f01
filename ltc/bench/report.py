"""The bench's figures as JSON and as a short Markdown table."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from django.db import connection
from django.utils import timezone


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages: on a shared machine, how busy it was besides."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def environment() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            version = "SQLite " + cursor.fetchone()[0]
    return {
        "at": timezone.now().isoformat(timespec="seconds"),
        "database": version,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_average(),
        "python": platform.python_version(),
    }


def _fmt(value, digits=2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def target_text(target: dict) -> str:
    if "either" in target:
        return " or ".join(target_text(t) for t in target["either"])
    parts = []
    if "median_ms" in target:
        parts.append(f"≤ {target['median_ms']} ms")
    if "queries" in target:
        parts.append(f"≤ {target['queries']} q")
    if "ratio" in target:
        parts.append(f"≤ {target['ratio']}× floor")
    if "rps" in target:
        parts.append(f"≥ {target['rps']} req/s")
    if "seconds" in target:
        parts.append(f"≤ {target['seconds']} s")
    return ", ".join(parts) or "–"


def verdict(met) -> str:
    return {True: "met", False: "**not met**", None: "–"}[met]


def generation_target_seconds(leads: int) -> int:
    """Five minutes for a company of up to a million leads, thirty for ten million (issue 20)."""
    return max(300, round(leads * 0.00018))


def markdown(data: dict) -> str:
    env = data["environment"]
    lines = [
        "| hot path | median ms | p95 ms | queries | floor ms | floor q | × floor | target | |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in data["paths"].values():
        floor = row.get("floor") or {}
        lines.append(
            f"| {row['label']} | {_fmt(row.get('median_ms'))} | {_fmt(row.get('p95_ms'))} | "
            f"{_fmt(row.get('queries'))} | {_fmt(floor.get('median_ms'))} | "
            f"{_fmt(row.get('floor_queries'))} | {_fmt(row.get('ratio_to_floor'))} | "
            f"{target_text(row.get('target') or {})} | {verdict(row.get('met'))} |"
        )
    out = [
        f"Bench of {env['at']} on {env['database']}, {env['cpus']} CPUs (load average at start "
        f"{env.get('load_average_at_start')}, at end {env.get('load_average_at_end')}). "
        "Each path ran interleaved with its floor; × floor is the median of the rounds' ratios.",
        "",
        *lines,
    ]
    load = data.get("throughput")
    if load:
        out += [
            "",
            "| throughput | req/s | p50 ms | p99 ms | non-2xx | floor req/s | × floor | target | |",
            "|---|---:|---:|---:|---:|---:|---:|---|---|",
            f"| {load['label']} | {_fmt(load['rps'], 0)} | {_fmt(load.get('latency_p50_ms'))} | "
            f"{_fmt(load.get('latency_p99_ms'))} | {_fmt(load.get('non_2xx'))} | "
            f"{_fmt((load.get('floor') or {}).get('rps'), 0)} | "
            f"{_fmt(load.get('ratio_to_floor'))} | {target_text(load['target'])} | "
            f"{verdict(load.get('met'))} |",
        ]
    gen = data.get("generation")
    if gen:
        rows = sum(gen.get("rows", {}).values())
        target = generation_target_seconds(gen.get("rows", {}).get("leads", 0))
        out += [
            "",
            f"Generation: {rows:,} rows in {gen['seconds']} s "
            f"({gen['rows_per_second']:,} rows/s); target ≤ {target:,} s: "
            f"{verdict(gen['seconds'] <= target)}. Leads: {gen['rows'].get('leads', 0):,} in "
            f"{gen.get('tables', {}).get('leads', 0)} s.",
        ]
    out += postgresql_lines(data.get("postgresql"))
    return "\n".join(out) + "\n"


def postgresql_lines(pg: dict | None) -> list[str]:
    """The server's settings against deploy/postgresql.conf, the differences first."""
    if not pg:
        return []
    rows = pg["settings"]
    order = sorted(rows, key=lambda n: rows[n]["matches"])
    lines = [
        "",
        f"PostgreSQL settings against {pg['file']} ({len(pg['differs'])} differ"
        + (f"; applied for the run: {', '.join(pg['applied'])}" if pg.get("applied") else "")
        + "):",
        "",
        "| setting | server | recommended | |",
        "|---|---|---|---|",
    ]
    for name in order:
        row = rows[name]
        lines.append(
            f"| {name} | {_fmt(row['server'])} | {row['recommended']} | "
            f"{'same' if row['matches'] else '**differs**'} |"
        )
    return lines


def write(data: dict, json_path: Path) -> Path:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, indent=2, default=str))
    md = json_path.with_suffix(".md")
    md.write_text(markdown(data))
    return md
