"""Django's PostgreSQL backend with a pool that checks connections cheaply and recovers at once
from a database restart.

psycopg_pool can check a connection each time it hands one out, with a ``SELECT 1`` round trip:
13% of an API worker's CPU under load. Ours asks the socket instead: a server that ended the
session (a restart, a failover, ``pg_terminate_backend``, an idle timeout) has sent its goodbye
and closed its side, so an idle connection with something to read, or one libpq already knows
is bad, gets the full round trip; so does one not checked for ``FULL_CHECK_SECONDS`` (a peer
that vanished without a word). The others are handed out as they are: no query, one ``poll``.

When the full check fails, waiting with psycopg_pool's growing back-off (1 s, 2 s, 4 s…) before
trying the next idle connection would make the request that noticed wait out the pool timeout
after a restart (every idle one is dead): ours also sweeps the other idle connections at once
(``pool.check()``), so that request gets a fresh one. Django hands the pool its own check when
CONN_HEALTH_CHECKS is on; this backend swaps in ours.

It builds on django-prometheus's backend (Django's, counting queries and their duration for
/metrics).
"""

from __future__ import annotations

import select
import time

from django_prometheus.db.backends.postgresql import base
from psycopg import pq
from psycopg_pool import ConnectionPool

# A connection idle and unchecked for this long gets the SELECT 1 anyway.
FULL_CHECK_SECONDS = 30.0


def looks_alive(conn) -> bool:
    """Whether an idle pooled connection can be handed out without a round trip: open, libpq
    content with it, not inside a transaction, and nothing from the server waiting on its
    socket (an idle session receives nothing unless the server is ending it)."""
    if conn.closed or conn.broken:
        return False
    pgconn = conn.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return False
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    readable, _w, _x = select.select([pgconn.socket], [], [], 0)
    return not readable


def check_and_sweep(conn) -> None:
    now = time.monotonic()
    if looks_alive(conn) and now - getattr(conn, "_ltc_checked_at", 0.0) < FULL_CHECK_SECONDS:
        return
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # set by the pool while it hands the connection out
        if pool is not None:
            pool.check()
        raise
    conn._ltc_checked_at = now


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        if pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = check_and_sweep
        return pool
