"""/healthz answers without the database; /readyz answers 200 when the database, the cache, the
broker and the migrations are fine, 503 naming the failed check otherwise, and 200 again when the
service returns; both answer before the host check and the SSL redirect (the orchestrator asks
by the node's own address)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connections
from django.test import override_settings
from django.utils import timezone

from ltc.ops.models import PeriodicRun

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there
REDIS_CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CLOSED_PORT,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


@pytest.fixture
def broker():
    """Point the project's Celery app at another broker for the test (restored after)."""
    from ltc.celery import app

    # Both spellings: the conftest's celery_app fixture writes the CELERY_-prefixed ones.
    names = ("broker_url", "broker_write_url", "broker_read_url")
    keys = (*names, *(f"CELERY_{name.upper()}" for name in names))
    saved = {key: app.conf.changes[key] for key in keys if key in app.conf.changes}

    def point_at(url: str):
        for key in keys:
            app.conf.changes.pop(key, None)
        app.conf.changes.update(broker_url=url, CELERY_BROKER_URL=url)
        app._pool = None

    yield point_at
    for key in keys:
        app.conf.changes.pop(key, None)
    app.conf.changes.update(saved)
    app._pool = None


def test_healthz_answers_without_touching_the_database(client):
    # No database access is allowed in this test: a query would fail it.
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.content == b"ok\n"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ready_when_every_engine_answers(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "migrations": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_any_host_and_never_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["ltc.example.com"]
    answer = client.get("/readyz", HTTP_HOST="10.0.3.7:8000")
    assert answer.status_code == 200, answer.content
    assert client.get("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_is_unavailable_while_the_cache_and_broker_are_down_and_ready_once_back(
    client, broker, settings
):
    broker(CLOSED_PORT)
    with override_settings(CACHES=REDIS_CACHE_DOWN):
        answer = client.get("/readyz")
    assert answer.status_code == 503, answer.content
    checks = answer.json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"] == "ok"
    assert checks["cache"] != "ok" and checks["broker"] != "ok", checks
    assert "broker unreachable" in checks["broker"]

    broker(settings.CELERY_BROKER_URL)  # back
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.content


@pytest.mark.django_db(transaction=True)
def test_readyz_is_unavailable_while_the_database_is_unreachable_and_ready_once_back(
    client, monkeypatch
):
    wrapper = type(connections["default"])
    real = wrapper.get_new_connection

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    # The checks open connections of their own (in the checks' threads): those are refused.
    monkeypatch.setattr(wrapper, "get_new_connection", refuse)
    answer = client.get("/readyz")
    assert answer.status_code == 503, answer.content
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] != "ok" and body["checks"]["cache"] == "ok"

    monkeypatch.setattr(wrapper, "get_new_connection", real)
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.content


@pytest.mark.django_db(transaction=True)
def test_readyz_shows_each_periodic_task_and_whether_beat_is_late(client):
    now = timezone.now()
    PeriodicRun.objects.create(
        name="sweep-webhook-outbox", task="ltc.integrations.tasks.sweep_outbox", last_sent_at=now
    )
    PeriodicRun.objects.create(
        name="recover-overdue-leads",
        task="leads.tasks.recover_overdue_leads",
        last_sent_at=now - timedelta(hours=1),  # every five minutes: late
        last_finished_at=now - timedelta(hours=1),
        last_outcome="success",
    )
    answer = client.get("/readyz")
    assert answer.status_code == 200  # beat's lateness is shown, not a reason to stop serving
    tasks = answer.json()["details"]["periodic_tasks"]
    assert tasks["sweep-webhook-outbox"]["late"] is False
    assert tasks["recover-overdue-leads"]["late"] is True
    assert tasks["recover-overdue-leads"]["last_outcome"] == "success"
    assert tasks["notify-overdue-invoices"]["last_sent"] is None


@pytest.mark.django_db(transaction=True)
def test_readyz_celery_is_unavailable_without_a_worker(client, broker, settings):
    broker(CLOSED_PORT)
    answer = client.get("/readyz/celery")
    assert answer.status_code == 503
    assert answer.json()["checks"]["workers"] != "ok"
