"""API throughput: gunicorn with two workers on 127.0.0.1 and wrk (Debian's ``wrk``, or
``ab`` from apache2-utils) as the concurrent client on the same machine, for a bounded time."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_tool() -> str | None:
    for tool in ("wrk", "ab"):
        if shutil.which(tool):
            return tool
    return None


class Server:
    """gunicorn serving ``ltc.bench.wsgi`` (LTC plus the floor endpoint); stopped on exit."""

    def __init__(self, *, workers: int = 2, log_dir: Path):
        self.port = free_port()
        self.workers = workers
        self.log = log_dir / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        env = {**os.environ, "DEBUG": "0", "DB_POOL_MAX": "4"}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "ltc.bench.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                # Threads with keep-alive, as a deployment behind a keep-alive client would run:
                # a sync worker closes every connection after one answer (wrk reconnects for
                # each request) and sits idle during each database round trip. Four threads
                # per worker match the four pooled connections (DB_POOL_MAX above); the floor
                # endpoint is served by the same workers.
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--keep-alive",
                "5",
                "--log-level",
                "warning",
                "--access-logfile",
                "-" if False else "/dev/null",
                "--error-logfile",
                str(self.log),
                "--timeout",
                "60",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                urllib.request.urlopen(self.url("/healthz/"), timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers (404 or 401 is fine: the server is up)
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def hammer(url: str, *, token: str, seconds: int, connections: int, threads: int = 2) -> dict:
    """Requests per second, latency and errors of ``url`` under ``connections`` clients."""
    tool = load_tool()
    header = f"Authorization: Token {token}"
    if tool == "wrk":
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-H",
                header,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", out)
        p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
        total = re.search(r"(\d+) requests in", out)
        return {
            "tool": "wrk",
            "rps": round(rps, 1),
            "requests": int(total[1]) if total else None,
            "non_2xx": int(bad[1]) if bad else 0,
            "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
            "latency_p50_ms": _ms(p50),
            "latency_p99_ms": _ms(p99),
            "connections": connections,
            "seconds": seconds,
        }
    if tool == "ab":
        out = subprocess.run(
            [
                "ab",
                "-q",
                "-t",
                str(seconds),
                "-n",
                "10000000",
                "-c",
                str(connections),
                "-H",
                header,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
        rps = float(re.search(r"Requests per second:\s+([\d.]+)", out)[1])
        bad = re.search(r"Non-2xx responses:\s+(\d+)", out)
        return {
            "tool": "ab",
            "rps": round(rps, 1),
            "non_2xx": int(bad[1]) if bad else 0,
            "connections": connections,
            "seconds": seconds,
        }
    raise RuntimeError("No load tool: apt-get install wrk (or apache2-utils for ab).")


def _ms(match) -> float | None:
    if not match:
        return None
    value, unit = float(match[1]), match[2]
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)
