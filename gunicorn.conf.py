"""gunicorn's settings for LTC, read from the working directory by every `gunicorn ltc.wsgi`
(the Docker image, the compose file, `make bench`, `make soak`; flags on the command line win).

Two worker processes of four threads each (each thread holds a pooled database connection
while it answers; size DB_POOL_MAX and PgBouncer accordingly, README "Operations"), the same
JSON or text log lines as Django's, and Prometheus' multiprocess files cleaned up per worker."""

import os

from ltc.ops.logs import logging_config

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
# A request that takes longer is a bug or a stuck database: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# No gunicornc control socket: one path per user, which two servers on one machine would share.
control_socket_disable = True
# Django writes one access line per request with its request and user ids (LTC_ACCESS_LOG).
accesslog = None
_production = os.environ.get("DJANGO_ENV", "development") == "production"
logconfig_dict = logging_config(
    json=os.environ.get("LOG_FORMAT", "json" if _production else "text") == "json",
    level=os.environ.get("LOG_LEVEL", "INFO"),
)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
