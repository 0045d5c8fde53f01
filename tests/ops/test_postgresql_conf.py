"""The compose stack starts PostgreSQL with deploy/postgresql.conf, which sets what the bench
and production rely on."""

from pathlib import Path

import yaml

from ltc.bench import pgconf

ROOT = Path(__file__).resolve().parents[2]


def test_compose_starts_postgresql_with_the_documented_configuration():
    postgres = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["postgres"]
    mount = "./deploy/postgresql.conf:/etc/postgresql/postgresql.conf:ro"
    assert mount in postgres["volumes"]
    assert "config_file=/etc/postgresql/postgresql.conf" in postgres["command"]


def test_the_configuration_listens_for_the_app_and_tunes_for_ssd_and_bulk_writes():
    text = (ROOT / "deploy" / "postgresql.conf").read_text()
    assert "listen_addresses = '*'" in text  # it replaces the image's own file
    wanted = pgconf.recommended()
    assert pgconf.comparable(wanted["random_page_cost"], None) < 2
    assert pgconf.comparable(wanted["max_wal_size"], "MB") > pgconf.comparable("1GB", "MB")
    assert pgconf.comparable(wanted["checkpoint_timeout"], "s") > pgconf.comparable("5min", "s")
    assert wanted["jit"] == "off" and wanted["autovacuum"] == "on"
