"""Per-request CPU of one API path through Django's real WSGI handler, with a cProfile of it.

What ``manage.py bench_profile`` runs: the request goes through the WSGI application exactly as
gunicorn would call it (middleware, the pool checkout and return, DRF, the renderer), in this
process, so the CPU time per request (``time.process_time``) and the profile are of LTC's own
code, not of a load tool. Run it against a generated database (``generate_data --leads
20000``); the figures compare code, not machines.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from io import BytesIO


def environ(path: str, token: str) -> dict:
    path, _sep, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "HTTP_ACCEPT": "application/json",
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def run(app, path: str, token: str, requests: int) -> tuple[float, float, int]:
    """CPU and wall seconds per request of ``requests`` requests, and the body size."""
    size = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    status: list[str] = []
    for _ in range(requests):
        status.clear()
        body = b"".join(app(environ(path, token), lambda s, h, *a: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{path} answered {status[0]}: {body[:300]!r}")
        size = len(body)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / requests, wall / requests, size


def profile(app, path: str, token: str, *, requests: int, warmup: int, top: int) -> dict:
    run(app, path, token, warmup)
    cpu, wall, size = run(app, path, token, requests)
    profiler = cProfile.Profile()
    profiler.enable()
    run(app, path, token, requests)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return {
        "path": path,
        "requests": requests,
        "cpu_ms_per_request": round(cpu * 1000, 3),
        "wall_ms_per_request": round(wall * 1000, 3),
        "bytes": size,
        "profile": out.getvalue(),
    }
