"""Faults: the Celery worker killed in the middle of the lead recovery (acks_late: the message
comes back; the batched conditional UPDATE makes the re-run finish the job and do nothing twice),
Redis unreachable (pages and API still answer quickly; the recovery still runs from beat's
next call), and the database connection cut under the app (the request fails cleanly and the
next one works)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from leads.models import Lead, LeadRecovery
from ltc.activity.models import TransitionLog

from ..factories import held_lead

ROOT = Path(__file__).resolve().parents[2]
OVERDUE = 200
VISIBILITY_TIMEOUT = 3  # seconds, passed to the worker (see slow_worker.py)


def _wait(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _worker(broker_url: str, tmp_path: Path) -> subprocess.Popen:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        REDIS_URL=broker_url,
        LTC_VAR_DIR=str(tmp_path),
        VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.slow_worker"],
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "worker.log", "ab"),
        stderr=subprocess.STDOUT,
    )


def _recovered() -> int:
    return LeadRecovery.objects.count()


@pytest.fixture
def overdue_leads(org):
    return [
        held_lead(org.rep1, pool=org.region_pool, due_in=-timedelta(hours=1)).pk
        for _ in range(OVERDUE)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_recovery_loses_nothing_and_does_nothing_twice(
    redis_url, overdue_leads, tmp_path, celery_app
):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    worker = _worker(redis_url, tmp_path)
    try:
        from leads.tasks import recover_overdue_leads

        recover_overdue_leads.delay()
        # Kill it once some batches are committed and others are not yet done.
        assert _wait(lambda: _recovered() >= 40), (tmp_path / "worker.log").read_text()[-3000:]
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = _recovered()
        assert 0 < killed_at < OVERDUE, killed_at
        # A new worker, once the visibility timeout (3 s here, an hour by default) has passed:
        # kombu gives the unacknowledged message back when the worker starts polling, and the
        # re-run recovers the rest; nothing is sent again.
        time.sleep(VISIBILITY_TIMEOUT + 0.5)
        worker = _worker(redis_url, tmp_path)
        assert _wait(lambda: _recovered() == OVERDUE, 90), (tmp_path / "worker.log").read_text()[
            -3000:
        ]
    finally:
        worker.kill()
        worker.wait(timeout=10)
    leads = Lead.objects.filter(pk__in=overdue_leads)
    assert set(leads.values_list("state", "recovery_count")) == {("new", 1)}
    per_lead = LeadRecovery.objects.values("lead").annotate(n=Count("id"))
    assert {row["n"] for row in per_lead} == {1} and len(per_lead) == OVERDUE
    logs = TransitionLog.objects.filter(transition="recover").values("object_id")
    assert logs.count() == OVERDUE == len({row["object_id"] for row in logs})


# --- Redis down ---------------------------------------------------------------------------------
class TestWithTheBrokerDown:
    @pytest.fixture
    def celery_broker_url(self):
        return "redis://127.0.0.1:1/0"  # nothing listens there

    @pytest.mark.django_db(transaction=True)
    def test_pages_and_api_still_answer_and_the_notification_goes_out_later(
        self, org, api, browser_as, celery_app, mailoutbox
    ):
        from concurrent.futures import ThreadPoolExecutor

        from ltc.activity.models import Notification, OutboxMessage
        from ltc.activity.tasks import deliver_notification_emails

        from ..factories import LeadFactory

        assert celery_app.conf.broker_url.startswith("redis://127.0.0.1:1/")
        org.rep1.email = "rep1@example.com"
        org.rep1.save()
        lead = LeadFactory(pool=org.region_pool)
        manager = api("manager")

        def assign():
            return manager.post(
                f"/api/v1/leads/{lead.pk}/assign/", {"owner": org.rep1.pk}, format="json"
            )

        with ThreadPoolExecutor(1) as pool:
            # A hang detector, not a speed test: the broker's short timeouts must bound it.
            answer = pool.submit(assign).result(timeout=30)
        assert answer.status_code == 200, answer.content
        assert Lead.objects.get(pk=lead.pk).owner == org.rep1
        assert browser_as("rep1").get("/leads/mine/").status_code == 200
        # The e-mail was written to the outbox with the assignment; the task that would have
        # sent it could not be published.
        kept = OutboxMessage.objects.get(to="rep1@example.com", state="pending")
        assert Notification.objects.filter(recipient=org.rep1).exists()
        # The broker is back: the periodic sweep (beat, every minute) sends what was kept.
        assert deliver_notification_emails() == 1
        assert [m.to for m in mailoutbox] == [["rep1@example.com"]]
        assert OutboxMessage.objects.get(pk=kept.pk).state == "sent"


# --- The database cut under the app -------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_requests_recover_after_the_database_drops_every_connection(postgres, org, api):
    import psycopg
    from django.db import connections

    client = api("rep1")

    def get():
        status = client.get("/api/v1/leads/pool/").status_code
        # What the end of a served request does (the test client skips it): the connection
        # goes back to the pool.
        connections.close_all()
        return status

    assert get() == 200
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"], autocommit=True,
    ) as admin:  # fmt: skip
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1
    statuses = [get() for _ in range(3)]
    assert statuses == [200, 200, 200], statuses
