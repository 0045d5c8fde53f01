"""Celery beat for a cluster: ``celery -A ltc beat -S ltc.ops.beat:LockedScheduler``.

Run exactly one beat (the compose file's ``beat`` service has one replica). If a second one is
started by mistake, each periodic task is still sent once per period: before sending, beat
takes the task's lock in the shared cache (Redis: ``SET NX`` with an expiry of 90% of the
period), and the beat that finds it taken skips that run. When the cache is down the task is
sent anyway: the tasks are idempotent, and a missed sweep is worse than a repeated one.

Each send is also recorded as the task's heartbeat (PeriodicRun.last_sent_at), which
``/readyz`` and the admin show."""

from __future__ import annotations

import logging
import os
import socket

from celery.beat import PersistentScheduler

log = logging.getLogger(__name__)

BEAT_ID = f"{socket.gethostname()}:{os.getpid()}"


def period_seconds(entry) -> float:
    """The time from a run to the next one, for interval and crontab schedules alike."""
    from django.utils import timezone

    return max(entry.schedule.remaining_estimate(timezone.now()).total_seconds(), 1.0)


def claim_send(name: str, period: float) -> bool:
    from django.core.cache import cache

    try:
        return cache.add(f"ops:beat:{name}", BEAT_ID, timeout=max(int(period * 0.9), 1))
    except Exception:
        log.warning("beat lock unavailable for %s: sending anyway", name, exc_info=True)
        return True


class LockedScheduler(PersistentScheduler):
    def apply_entry(self, entry, producer=None):
        if not claim_send(entry.name, period_seconds(entry)):
            log.info("%s: sent by another beat this period; skipped", entry.name)
            return
        super().apply_entry(entry, producer=producer)
        from django.utils import timezone

        from .tasks import record

        record(entry.task, last_sent_at=timezone.now())
