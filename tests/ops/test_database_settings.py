"""Database settings for a cluster: behind PgBouncer in transaction mode (DB_PGBOUNCER=1) no
session state outlives a transaction (no prepared statements, no server-side cursors, no
connection options); PG_OPTIONS is optional; DATABASE_REPLICA_URL adds the replica alias,
whose test database is the primary's."""

from __future__ import annotations

import json

from .helpers import python_with_settings

READ = (
    "import json; from django.conf import settings; "
    "print(json.dumps({alias: {'options': {k: v for k, v in db['OPTIONS'].items() if k != 'pool'},"
    " 'no_server_cursors': db.get('DISABLE_SERVER_SIDE_CURSORS', False), 'engine': db['ENGINE'],"
    " 'test': db.get('TEST', {})} for alias, db in settings.DATABASES.items()}))"
)


def _databases(tmp_path, **env) -> dict:
    drop = ("DATABASE_URL", "DATABASE_REPLICA_URL", "PG_OPTIONS", "DB_PGBOUNCER")
    return json.loads(python_with_settings(READ, tmp_path, drop=drop, **env))


PRIMARY = "postgres://ltc:pw@db.internal:6432/ltc"


def test_behind_pgbouncer_no_session_state_outlives_a_transaction(tmp_path):
    db = _databases(tmp_path, DATABASE_URL=PRIMARY, DB_PGBOUNCER="1", PG_OPTIONS="-c jit=off")
    default = db["default"]
    assert default["options"] == {"prepare_threshold": None}
    assert default["no_server_cursors"] is True
    assert default["engine"] == "ltc.core.postgresql"


def test_pg_options_are_optional(tmp_path):
    assert _databases(tmp_path, DATABASE_URL=PRIMARY)["default"]["options"] == {}
    with_options = _databases(tmp_path, DATABASE_URL=PRIMARY, PG_OPTIONS="-c jit=off")
    assert with_options["default"]["options"] == {"options": "-c jit=off"}


def test_a_replica_url_adds_the_replica_alias_on_the_primarys_test_database(tmp_path):
    db = _databases(
        tmp_path, DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL="postgres://ltc:pw@replica:5432/ltc"
    )
    assert set(db) == {"default", "replica"}
    assert db["replica"]["test"]["MIRROR"] == "default"
    assert _databases(tmp_path).keys() == {"default"}
