"""Django's PostgreSQL backend with a pool that recovers at once from a database restart.

psycopg_pool checks a connection when it hands it out and, when the check fails, waits with a
growing back-off (1 s, 2 s, 4 s…) before it tries the next idle one. After a restart every idle
connection is dead, so with a few of them the request that noticed would wait out the pool
timeout and fail. Our check also sweeps the other idle connections on the first failure
(``pool.check()``), so that request gets a fresh connection instead. Django hands the pool its
own check when CONN_HEALTH_CHECKS is on; this backend swaps in ours.

It builds on django-prometheus's backend (Django's, counting queries and their duration for
/metrics).
"""

from django_prometheus.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def check_and_sweep(conn) -> None:
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # set by the pool while it hands the connection out
        if pool is not None:
            pool.check()
        raise


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        if pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = check_and_sweep
        return pool
