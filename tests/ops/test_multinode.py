"""Two web nodes (gunicorn), two Celery workers and one beat, as separate processes on one
PostgreSQL and one Redis, as a cluster runs them: the integration rate limit holds across the
nodes, a webhook event reaches its receiver once, the recovery sweep moves each overdue lead
once, an Idempotency-Key answers the same on both nodes, and a session made on one node is
valid on the other. Readiness is awaited (the nodes' /readyz, the workers' ping), not slept."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Count

from leads.models import Lead, LeadRecovery
from ltc.integrations.events import emit
from ltc.integrations.models import DeliveryState, WebhookDelivery, WebhookSubscription
from ltc.ops.models import PeriodicRun

from ..factories import held_lead
from ..integrations.helpers import Receiver
from ..integrations.helpers import token_client as make_token

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
RATE = 6  # integration requests per minute and token, for the whole cluster
OVERDUE = 30
READY_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Cluster:
    def __init__(self, redis_url: str, tmp_path: Path):
        db = connection.settings_dict
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "DJANGO_", "LTC_", "CELERY_", "DATABASE_"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="ltc.settings",
            DATABASE_URL=(
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/"
                f"{db['NAME']}"
            ),
            REDIS_URL=redis_url,
            CELERY_BROKER_URL=redis_url,
            LTC_INTEGRATION_RATE=f"{RATE}/min",
            LTC_VAR_DIR=str(tmp_path / "var"),
            DB_POOL_MAX="4",
            LOG_FORMAT="json",
            LTC_ACCESS_LOG="1",
        )
        self.tmp_path = tmp_path
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.nodes: list[str] = []

    def _start(self, name: str, *args: str):
        log = open(self.tmp_path / f"{name}.log", "ab")
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((name, process))

    def start(self):
        for number in (1, 2):
            port = _free_port()
            self._start(
                f"web{number}", "-m", "gunicorn", "ltc.wsgi", "-b", f"127.0.0.1:{port}",
                "-w", "1", "--threads", "4",
            )  # fmt: skip
            self.nodes.append(f"http://127.0.0.1:{port}")
        for number in (1, 2):
            self._start(
                f"worker{number}", "-m", "celery", "-A", "ltc", "worker", "-P", "solo",
                "-n", f"cluster{number}@%h", "--without-gossip", "--without-mingle",
                "--loglevel=INFO",
            )  # fmt: skip
        self._start("beat", "-m", "tests.ops.cluster_beat", str(self.tmp_path / "beat-schedule"))

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2500:]}"
            for path in sorted(self.tmp_path.glob("*.log"))
        )

    def check_alive(self):
        for name, process in self.processes:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited ({process.returncode})\n{self.logs()}")

    def stop(self):
        for _, process in self.processes:
            process.terminate()
        for _, process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def call(url: str, *, method="GET", body=None, headers=None, opener=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **(headers or {})} if data else headers or {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def cluster(redis_url, tmp_path, transactional_db):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    running = Cluster(redis_url, tmp_path)
    running.start()
    try:
        for node in running.nodes:

            def ready(node=node):
                running.check_alive()
                try:
                    return call(f"{node}/readyz")[0] == 200
                except OSError:
                    return False

            _wait(ready, READY_SECONDS, f"{node}/readyz")
        from ltc.celery import app

        def both_workers_answer():
            running.check_alive()
            return len(app.control.ping(timeout=0.5)) >= 2

        _wait(both_workers_answer, READY_SECONDS, "two workers answering a ping")
        yield running
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()


def _outside_a_minute_boundary():
    # The limit counts per minute: keep the burst inside one minute.
    if time.time() % 60 > 55:
        time.sleep(61 - time.time() % 60)


@pytest.mark.django_db(transaction=True)
def test_two_nodes_two_workers_and_one_beat_behave_as_one_installation(org, cluster, tmp_path):
    a, b = cluster.nodes
    overdue = [
        held_lead(org.rep1, pool=org.region_pool, due_in=-timedelta(hours=1)).pk
        for _ in range(OVERDUE)
    ]
    receiver = Receiver()
    try:
        WebhookSubscription.objects.create(
            name="ERP", url=receiver.url, secret="whsec", events=["lead.converted"]
        )
        with transaction.atomic():
            emit("lead.converted", {"lead": overdue[0]})

        # The rate limit holds across both nodes: of 10 concurrent calls, spread over the two,
        # exactly RATE pass.
        _, _, throttled_key = make_token(org)
        _outside_a_minute_boundary()
        auth = {"Authorization": f"Bearer {throttled_key}"}
        with ThreadPoolExecutor(6) as pool:
            statuses = list(
                pool.map(
                    lambda i: call(f"{(a, b)[i % 2]}/api/v1/leads/?page_size=1", headers=auth)[0],
                    range(10),
                )
            )
        assert sorted(statuses) == [200] * RATE + [429] * (10 - RATE), statuses

        # An Idempotency-Key answers the same on both nodes, and records one lead.
        _, _, writer_key = make_token(org, "leads:write")
        headers = {"Authorization": f"Bearer {writer_key}", "Idempotency-Key": "cluster-lead-1"}
        new_lead = {
            "title": "Line 4 retrofit",
            "company_name": "常州重工",
            "contact_name": "Wang Fang",
            "phone": "+86 139 0000 2222",
            "email": "wang.fang@czhi.cn",
            "source": "partner",
            "estimated_amount": "800000.00",
            "currency": "CNY",
        }
        first = call(f"{a}/api/v1/leads/", method="POST", body=new_lead, headers=headers)
        again = call(f"{b}/api/v1/leads/", method="POST", body=new_lead, headers=headers)
        assert first[0] == 201, first
        assert again[0] == 201 and again[1].get("Idempotent-Replayed") == "true", again
        assert json.loads(again[2]) == json.loads(first[2])
        assert Lead.objects.filter(title="Line 4 retrofit").count() == 1

        # A session made on one node is valid on the other (the cookie jar ignores ports). The
        # nodes check passwords with the production hashers, not the tests' fast one.
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        hasher = PBKDF2PasswordHasher()
        org.rep1.password = hasher.encode("demo1234", hasher.salt())
        org.rep1.save(update_fields=["password"])
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, _, page = call(f"{a}/login/", opener=browser)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": "rep1", "password": "demo1234", "csrfmiddlewaretoken": token}
        ).encode()
        login = urllib.request.Request(
            f"{a}/login/", data=form, headers={"Referer": f"{a}/login/"}, method="POST"
        )
        with browser.open(login, timeout=30) as answer:
            assert answer.status == 200 and "/login/" not in answer.url, answer.url
        with browser.open(f"{b}/leads/mine/", timeout=30) as answer:  # not sent to /login/
            assert answer.status == 200 and answer.url == f"{b}/leads/mine/", answer.url
        assert "sessionid" in {cookie.name for cookie in jar}

        # Beat sends the sweeps every second; the two workers run them. Each overdue lead is
        # moved back to the pool once, and the webhook reaches the receiver once.
        def swept():
            cluster.check_alive()
            return not Lead.objects.filter(pk__in=overdue, state="assigned").exists()

        _wait(swept, 45, "the recovery sweep")

        def delivered():
            cluster.check_alive()
            return WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).exists()

        _wait(delivered, 45, "the webhook delivery")
        # A few more sweeps run (beat sends every second): nothing is moved or sent again.
        runs = PeriodicRun.objects.get(name="recover-overdue-leads").runs
        _wait(
            lambda: PeriodicRun.objects.get(name="recover-overdue-leads").runs >= runs + 2,
            30,
            "two more sweeps",
        )
    finally:
        receiver.close()

    assert len(receiver.requests) == 1, [r.headers for r in receiver.requests]
    per_lead = LeadRecovery.objects.filter(lead__in=overdue).values("lead").annotate(n=Count("id"))
    assert len(per_lead) == OVERDUE and {row["n"] for row in per_lead} == {1}
    assert set(Lead.objects.filter(pk__in=overdue).values_list("state", "recovery_count")) == {
        ("new", 1)
    }
    # Beat's heartbeat and the workers' runs are visible on any node.
    status, _, body = call(f"{b}/readyz")
    sweep = json.loads(body)["details"]["periodic_tasks"]["recover-overdue-leads"]
    assert status == 200 and sweep["last_sent"] and sweep["last_outcome"] == "success"
