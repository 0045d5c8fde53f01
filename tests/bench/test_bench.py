"""The bench on a small generated company: every hot path measured, with its floor and target."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

HOT_PATHS = [
    "lead_pool_page",
    "lead_pool_api",
    "lead_list_api",
    "lead_list_page",
    "lead_claim",
    "recovery_first_run",
    "recovery_second_run",
    "pipeline_board_team",
    "opportunity_page",
    "opportunity_advance",
    "dashboard_funnel_company",
    "dashboard_revenue_team",
    "invoiceable_queue_api",
    "receivables_aging_page",
    "invoiceable_queue_page",
]


@pytest.mark.django_db(transaction=True)
def test_bench_writes_medians_query_counts_floors_and_targets_for_every_hot_path(tmp_path):
    call_command(
        "generate_data", leads=1500, scale=0.01, reset=True, stdout=StringIO(), stderr=StringIO()
    )
    out = tmp_path / "bench.json"
    stdout = StringIO()
    call_command(
        "bench",
        json_path=str(out),
        iterations=1,
        overdue=40,
        no_load=True,
        stdout=stdout,
        stderr=StringIO(),
    )
    data = json.loads(out.read_text())
    assert set(HOT_PATHS) <= set(data["paths"])
    for name in HOT_PATHS:
        row = data["paths"][name]
        assert row["median_ms"] > 0 and row["p95_ms"] >= row["median_ms"] * 0.999
        assert isinstance(row["queries"], int)
        assert row["label"]
    for name, row in data["paths"].items():
        if name.startswith("recovery"):
            continue
        assert row["queries"] >= 1, name
        assert row["floor"]["median_ms"] > 0, name
        assert row["ratio_to_floor"] > 0, name
    pool = data["paths"]["lead_pool_api"]
    assert pool["target"] == {"median_ms": 20, "queries": 10}
    assert pool["met"] in (True, False)
    assert "second run moved 0" in data["paths"]["recovery_first_run"]["note"]
    assert data["generation"]["rows"]["leads"] == 1500
    md = out.with_suffix(".md").read_text()
    assert "| Lead pool API" in md and "Generation:" in md
    assert "Wrote" in stdout.getvalue()
