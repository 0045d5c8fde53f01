"""The bench's measuring and reporting pieces: paths interleaved with their floors, the
PostgreSQL settings read against deploy/postgresql.conf, the report's table."""

import pytest

from ltc.bench import measure, pgconf, report


class Clock:
    """A stand-in for time.perf_counter that each run of a path advances by its cost."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_path_and_its_floor_alternate_and_the_ratio_is_the_median_of_the_rounds(monkeypatch):
    clock, order = Clock(), []
    monkeypatch.setattr(measure.time, "perf_counter", clock)
    # The machine gets busier round after round: both sides slow down alike.
    load = iter([1, 1, 1, 1, 2, 2, 5, 5, 9, 9, 3, 3])

    def path():
        order.append("path")
        clock.now += 0.002 * next(load)

    def floor():
        order.append("floor")
        clock.now += 0.001 * next(load)

    stats, floor_stats, ratio = measure.interleaved(path, floor, rounds=5, warmup=1)
    assert order[:4] == ["path", "floor", "floor", "path"]  # who goes first alternates too
    assert stats["runs"] == floor_stats["runs"] == 5
    assert ratio == 2.0  # every round's ratio is 2, however loaded the machine was


def test_recommended_settings_are_read_from_the_file_without_the_containers_own():
    wanted = pgconf.recommended()
    assert {"shared_buffers", "max_wal_size", "checkpoint_timeout", "work_mem"} <= set(wanted)
    assert wanted["random_page_cost"] == "1.1"
    assert "listen_addresses" not in wanted


@pytest.mark.parametrize(
    ("value", "unit", "same_as"),
    [
        ("2GB", "8kB", ("262144", "8kB")),
        ("15min", "s", ("900", "s")),
        ("32MB", "kB", ("32768", "kB")),
        ("1.1", None, ("1.10", None)),
        ("off", None, ("OFF", None)),
    ],
)
def test_a_setting_compares_equal_in_any_of_its_units(value, unit, same_as):
    assert pgconf.comparable(value, unit) == pgconf.comparable(*same_as)
    assert pgconf.comparable(value, unit) != pgconf.comparable("3", "kB")


def test_the_report_prints_the_load_the_ratio_note_and_the_settings_that_differ():
    data = {
        "environment": {
            "at": "2026-12-03T20:00:00+00:00",
            "database": "PostgreSQL 16",
            "cpus": 2,
            "load_average_at_start": [1.0, 1.0, 1.0],
            "load_average_at_end": [2.5, 1.5, 1.0],
        },
        "paths": {},
        "postgresql": {
            "file": "deploy/postgresql.conf",
            "settings": {
                "work_mem": {"recommended": "32MB", "server": "32MB", "matches": True},
                "shared_buffers": {"recommended": "2GB", "server": "128MB", "matches": False},
            },
            "differs": ["shared_buffers"],
            "applied": ["work_mem: session and database"],
        },
    }
    md = report.markdown(data)
    assert "at end [2.5, 1.5, 1.0]" in md and "median of the rounds' ratios" in md
    assert "| shared_buffers | 128MB | 2GB | **differs** |" in md
    assert md.index("shared_buffers") < md.index("| work_mem")  # the differences first
    assert "applied for the run: work_mem" in md


@pytest.mark.django_db
def test_every_recommended_setting_is_one_the_server_knows(postgres):
    compared = pgconf.compare()
    assert set(compared["settings"]) == set(pgconf.recommended())
    assert all(row["server"] is not None for row in compared["settings"].values())


@pytest.mark.django_db
def test_the_settings_a_session_may_change_are_applied_for_the_run(postgres):
    from django.db import connection

    applied = pgconf.apply()
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
    compared = pgconf.compare()["settings"]
    assert compared["random_page_cost"]["matches"] and compared["work_mem"]["matches"]
    assert all(": refused" not in a for a in applied if a.startswith("random_page_cost"))


def test_a_target_with_alternatives_is_met_by_either_and_says_both():
    from ltc.bench.paths import check_target

    company = {"either": [{"median_ms": 100}, {"ratio": 1.5}]}
    assert check_target(company, {"median_ms": 37.0}, 5, 18.8)  # fast, though far from its floor
    assert check_target(company, {"median_ms": 300.0}, 5, 1.2)  # slow, but near its floor
    assert not check_target(company, {"median_ms": 974.0}, 8, 3.08)
    assert report.target_text(company) == "≤ 100 ms or ≤ 1.5× floor"
    page = {"queries": 10, "ratio": 10}
    assert not check_target(page, {"median_ms": 50.0}, 10, 19.05)  # every bound must hold
    assert check_target(page, {"median_ms": 20.0}, 10, 8.0)
