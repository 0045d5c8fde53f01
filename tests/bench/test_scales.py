"""Bench runs of several sizes side by side (ltc/bench/scales.py, ``manage.py bench_scales``):
the runs in lead order, each path's median and ratio per size, its growth, and a page or record
path that grew past ×1.2 called out as growing."""

import json

import pytest
from django.core.management import CommandError, call_command

from ltc.bench import report, scales


def run(leads: int, at: str, medians: dict, *, rps=None, seconds=60.0) -> dict:
    paths = {
        name: {"label": name.replace("_", " "), "median_ms": ms, "ratio_to_floor": ms / 2}
        for name, ms in medians.items()
    }
    data = {
        "environment": {"at": at, "load_average_at_start": [0.1, 0.2, 0.3]},
        "paths": paths,
        "generation": {"rows": {"leads": leads, "opportunities": 1000}, "seconds": seconds},
    }
    if rps:
        data["throughput"] = {"rps": rps, "floor": {"rps": rps * 4}}
    return data


def rows_of(markdown: str) -> dict[str, list[str]]:
    """The table's rows by their first cell, each split into its cells."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def test_runs_line_up_smallest_first_and_a_page_that_grows_is_called_out(tmp_path):
    big = run(
        10_000_000,
        "c",
        {"lead_list_api": 13.0, "lead_pool_page": 80.0, "dashboard_funnel_team": 3000.0},
    )
    small = run(
        100_000,
        "a",
        {"lead_list_api": 12.0, "lead_pool_page": 50.0, "dashboard_funnel_team": 40.0},
        rps=100,
    )
    middle = run(1_000_000, "b", {"lead_list_api": 12.5, "lead_pool_page": 60.0})
    files = []
    for name, data in (("big", big), ("small", small), ("middle", middle)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        files.append(path)

    runs = scales.load(files)
    assert [scales.leads_of(r) for r in runs] == [100_000, 1_000_000, 10_000_000]
    table = scales.markdown(runs)
    rows = rows_of(table)
    assert rows["hot path"][2:5] == ["100k ms (× floor)", "1M ms (× floor)", "10M ms (× floor)"]
    # 12 → 13 ms is ×1.08: flat; 50 → 80 ms is ×1.6: a page that grows.
    assert rows["lead list api"][1] == "page"
    assert rows["lead list api"][2] == "12.00 (×6.00)"
    assert rows["lead list api"][-2:] == ["×1.08", "flat"]
    assert rows["lead pool page"][-2:] == ["×1.60", "**grows**"]
    # A figure grows with the data it reads: its growth is shown, with no verdict; a path a run
    # did not time is a dash in that run's column.
    assert rows["dashboard funnel team"][1] == "figure"
    assert rows["dashboard funnel team"][3] == "–"
    assert rows["dashboard funnel team"][-2:] == ["×75.00", "–"]
    assert rows["GET /api/v1/leads/ req/s (floor req/s)"][1:] == ["100 (400)", "–", "–"]
    assert rows["generation"][1].endswith("(≤ 300 s: met)")


def test_generation_has_five_minutes_up_to_a_million_leads_and_thirty_for_ten_million():
    assert report.generation_target_seconds(100_000) == 300
    assert report.generation_target_seconds(1_000_000) == 300
    assert report.generation_target_seconds(10_000_000) == 1800
    slow = run(10_000_000, "c", {}, seconds=1900.0)
    assert "(≤ 1,800 s: **not met**)" in rows_of(scales.markdown([slow]))["generation"][1]


def test_the_command_writes_the_table_and_names_a_missing_file(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(run(100_000, "a", {"lead_claim": 20.0})))
    out = tmp_path / "scales.md"
    call_command("bench_scales", str(path), "--out", str(out))
    assert "| lead claim | record | 20.00 (×10.00) |" in out.read_text()
    assert f"Wrote {out}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No bench JSON at .*nowhere.json"):
        call_command("bench_scales", str(tmp_path / "nowhere.json"))
