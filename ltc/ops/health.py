"""``/healthz``: the process answers (no database, no cache). ``/readyz``: this node can serve —
the database, the cache and the broker answer and every migration is applied (200), else 503
naming what failed; the details also show the read replica and the periodic tasks' heartbeats
(informational). ``/readyz/celery``: at least one worker answers a ping and no periodic task is
late (for monitoring; a web node does not leave the proxy for it).

The checks are django-health-check's where it has one (database, cache, Celery ping); the
broker and migrations checks are ours, in its form."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

from celery.schedules import maybe_schedule
from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable

# A periodic task is late when beat's send is overdue by more than this.
LATE_AFTER = datetime.timedelta(minutes=2)


@dataclasses.dataclass
class Broker(HealthCheck):
    """Celery's broker accepts a connection (Redis in production; kombu's filesystem transport
    in the embedded mode, which always does)."""

    timeout = datetime.timedelta(seconds=3)

    def run(self):
        from ltc.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


_migrated: set[str] = set()


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration this code knows is applied (a node of a newer release waits for the
    one-shot migrate service). Remembered once true: a running node's migrations do not
    become unapplied."""

    alias: str = "default"

    def run(self):
        if self.alias in _migrated:
            return
        from django.db.migrations.executor import MigrationExecutor

        connection = connections[self.alias]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:
            raise ServiceUnavailable(f"migrations unreadable ({type(exc).__name__})") from exc
        finally:
            connection.close()
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migrations not applied")
        _migrated.add(self.alias)


def readiness_checks() -> dict[str, HealthCheck]:
    return {
        "database": Database(alias="default"),
        "cache": Cache(alias="default"),
        "broker": Broker(),
        "migrations": Migrations(),
    }


def _run(checks: dict[str, HealthCheck]) -> dict[str, str]:
    """{name: "ok" or the error}, the checks run concurrently (each with its own timeout)."""

    async def gather():
        return await asyncio.gather(*(check.get_result() for check in checks.values()))

    # The sync checks run in the loop's executor threads, each closing its database
    # connection when done; asyncio.run ends those threads.
    results = asyncio.run(gather())
    return {
        name: "ok" if result.error is None else str(result.error)
        for name, result in zip(checks, results, strict=True)
    }


def periodic_tasks() -> dict[str, dict]:
    """Each periodic task of CELERY_BEAT_SCHEDULE: when beat last sent it, when a worker last
    finished it and how, and whether beat is late with it."""
    from .models import PeriodicRun

    try:
        runs = {run.name: run for run in PeriodicRun.objects.all()}
    except Exception as exc:  # the database check reports the cause
        return {"error": type(exc).__name__}
    details = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        run = runs.get(name)
        sent = run.last_sent_at if run else None
        late = False
        if sent is not None:
            late = maybe_schedule(entry["schedule"]).remaining_estimate(sent) < -LATE_AFTER
        details[name] = {
            "last_sent": sent.isoformat() if sent else None,
            "last_finished": run.last_finished_at.isoformat()
            if run and run.last_finished_at
            else None,
            "last_outcome": run.last_outcome if run else "",
            "late": late,
        }
    return details


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request):
    checks = _run(readiness_checks())
    ready = all(value == "ok" for value in checks.values())
    details: dict = {}
    if "replica" in settings.DATABASES:
        details["replica"] = _run({"replica": Database(alias="replica")})["replica"]
    if checks["database"] == "ok":
        details["periodic_tasks"] = periodic_tasks()
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks, "details": details},
        status=200 if ready else 503,
        json_dumps_params={"ensure_ascii": False},
        headers={"Cache-Control": "no-store"},
    )


def readyz_celery(request):
    from ltc.celery import app

    checks = _run({"workers": Ping(app=app, timeout=datetime.timedelta(seconds=2))})
    tasks = periodic_tasks()
    late = sorted(name for name, info in tasks.items() if isinstance(info, dict) and info["late"])
    checks["beat"] = "ok" if not late else f"late: {', '.join(late)}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks, "periodic_tasks": tasks},
        status=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )
