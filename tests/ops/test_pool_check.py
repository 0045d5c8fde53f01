"""The pool's checkout check: no round trip for a live idle connection, the full check (and the
sweep) for one the server ended or that went unchecked for long."""

import select

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from ltc.core.postgresql import base


@pytest.fixture
def raw(postgres):
    db = connection.settings_dict
    params = dict(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"], autocommit=True,
    )  # fmt: skip
    conns = []

    def make():
        conns.append(psycopg.connect(**params))
        return conns[-1]

    yield make
    for c in conns:
        c.close()


@pytest.fixture
def full_checks(monkeypatch):
    calls = []
    real = ConnectionPool.check_connection

    def counted(conn):
        calls.append(conn)
        real(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return calls


@pytest.mark.django_db
def test_a_live_idle_connection_is_checked_once_then_handed_out_without_a_query(raw, full_checks):
    conn = raw()
    base.check_and_sweep(conn)  # never checked: the full check
    assert full_checks == [conn]
    for _ in range(5):
        base.check_and_sweep(conn)
    assert full_checks == [conn]
    conn._ltc_checked_at -= base.FULL_CHECK_SECONDS + 1  # unchecked for long: checked again
    base.check_and_sweep(conn)
    assert full_checks == [conn, conn]


@pytest.mark.django_db
def test_a_connection_the_server_ended_gets_the_full_check_which_fails(raw, full_checks):
    conn, admin = raw(), raw()
    base.check_and_sweep(conn)
    admin.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
    # The server's goodbye reaches the socket (waits on the socket, not on a clock).
    assert select.select([conn.pgconn.socket], [], [], 10)[0]
    assert not base.looks_alive(conn)
    with pytest.raises(psycopg.OperationalError):
        base.check_and_sweep(conn)
    assert full_checks == [conn, conn]


@pytest.mark.django_db
def test_a_connection_inside_a_transaction_is_not_handed_out_unchecked(raw):
    conn = raw()
    conn.autocommit = False
    conn.execute("SELECT 1")
    assert not base.looks_alive(conn)
    conn.rollback()
    assert base.looks_alive(conn)
