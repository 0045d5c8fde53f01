"""The suite's own guard (tests/conftest.py): on PostgreSQL, a test without the postgres marker
that runs PostgreSQL-only SQL of its own fails; SQL the ORM or the application builds does not
count (the application's PostgreSQL branches are its business)."""

from __future__ import annotations

import sys

from .conftest import POSTGRES_ONLY_SQL, _issued_by_a_test


def test_postgresql_only_sql_is_recognised():
    for sql in (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()",
        "SELECT pg_advisory_xact_lock(%s)",
        "SELECT id FROM leads_lead FOR UPDATE SKIP LOCKED",
        "SELECT 1 FROM x FOR UPDATE NOWAIT",
        "SELECT %s::jsonb",
        "LOCK TABLE leads_lead IN EXCLUSIVE MODE",
        "SELECT * FROM generate_series(1, 3)",
    ):
        assert POSTGRES_ONLY_SQL.search(sql), sql


def test_portable_sql_is_not():
    for sql in (
        'SELECT "leads_lead"."id" FROM "leads_lead" WHERE "leads_lead"."state" = %s',
        'UPDATE "leads_lead" SET "owner_id" = NULL WHERE "leads_lead"."id" IN (%s, %s)',
        "SELECT COUNT(*) AS n FROM billing_invoice GROUP BY state",
    ):
        assert not POSTGRES_ONLY_SQL.search(sql), sql


def test_sql_written_in_a_test_is_the_tests_and_sql_from_the_application_is_not():
    assert _issued_by_a_test(sys._getframe()) == __file__
    # A frame of application code (here a function compiled as if it lived in ltc/).
    namespace: dict = {}
    exec(compile("def frame():\n    return sys._getframe()\n", "/app/ltc/x.py", "exec"), {
        "sys": sys
    }, namespace)  # fmt: skip
    assert _issued_by_a_test(namespace["frame"]()) is None
