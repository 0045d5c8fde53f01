"""The integration tokens' rate limit counts in the shared cache and degrades to a count per
process (never a 500) while that cache is down; beat's lock sends each periodic task once per
period even with a second beat, and records the send as the task's heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import crontab, schedule
from django.core.cache import cache, caches
from django.test import override_settings

from ltc.integrations.throttling import IntegrationTokenThrottle
from ltc.ops import beat
from ltc.ops.models import PeriodicRun

from ..integrations.helpers import token_client
from .test_health import REDIS_CACHE_DOWN


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(IntegrationTokenThrottle, "THROTTLE_RATES", {"integration": "3/min"})
    cache.clear()
    caches["local"].clear()
    yield
    cache.clear()
    caches["local"].clear()


@pytest.mark.django_db
def test_the_rate_limit_still_holds_per_process_while_the_cache_is_down(org, three_a_minute):
    client, _, _ = token_client(org)
    with override_settings(CACHES=REDIS_CACHE_DOWN):
        answers = [client.get("/api/v1/leads/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


@pytest.mark.django_db
def test_the_limit_counts_one_counter_per_token_in_the_shared_cache(org, three_a_minute):
    first, _, _ = token_client(org)
    second, _, _ = token_client(org)
    assert [first.get("/api/v1/leads/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/api/v1/leads/").status_code == 200  # another token, another counter
    refused = first.get("/api/v1/leads/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60


class Sent:
    names: list[str]


@pytest.fixture
def sends(monkeypatch):
    """Beat's own sending (PersistentScheduler.apply_entry) replaced by a list of what it sent."""
    sent = Sent()
    sent.names = []

    def apply_entry(scheduler, entry, producer=None):
        sent.names.append(entry.name)

    monkeypatch.setattr(PersistentScheduler, "apply_entry", apply_entry)
    cache.clear()
    yield sent
    cache.clear()


def _entry(name: str, every) -> ScheduleEntry:
    return ScheduleEntry(name=name, task="ltc.integrations.tasks.sweep_outbox", schedule=every)


def _scheduler() -> beat.LockedScheduler:
    return beat.LockedScheduler.__new__(beat.LockedScheduler)  # no schedule file, no app start


@pytest.mark.django_db
def test_a_second_beat_sends_nothing_twice(sends):
    entry = _entry("sweep-webhook-outbox", schedule(timedelta(seconds=30)))
    first, second = _scheduler(), _scheduler()
    first.apply_entry(entry)
    second.apply_entry(entry)
    first.apply_entry(entry)
    assert sends.names == ["sweep-webhook-outbox"]
    run = PeriodicRun.objects.get(name="sweep-webhook-outbox")
    assert run.last_sent_at is not None


LOCAL_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "beat"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


@pytest.mark.django_db
@override_settings(CACHES=LOCAL_CACHE)  # its expiry follows the travelling clock; Redis's does not
def test_the_lock_lasts_most_of_the_period_so_the_next_period_is_sent(sends, time_machine):
    entry = _entry("recover-overdue-leads", crontab(minute="*/5"))
    time_machine.move_to("2030-01-07 10:05:00+00:00", tick=False)
    _scheduler().apply_entry(entry)
    time_machine.shift(timedelta(minutes=4))  # a second beat, late in the same period
    _scheduler().apply_entry(entry)
    assert sends.names == ["recover-overdue-leads"]
    time_machine.move_to("2030-01-07 10:10:00+00:00", tick=False)  # the next period
    _scheduler().apply_entry(entry)
    assert sends.names == ["recover-overdue-leads", "recover-overdue-leads"]
    assert beat.period_seconds(entry) == 300


@pytest.mark.django_db
def test_beat_sends_anyway_when_the_cache_is_down(sends):
    entry = _entry("sweep-webhook-outbox", schedule(timedelta(seconds=30)))
    with override_settings(CACHES=REDIS_CACHE_DOWN):
        _scheduler().apply_entry(entry)
        _scheduler().apply_entry(entry)
    assert sends.names == ["sweep-webhook-outbox", "sweep-webhook-outbox"]
