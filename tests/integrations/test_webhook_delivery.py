"""Sending webhooks: signed with HMAC-SHA256 over "timestamp.body", each attempt recorded, retried
with exponential backoff, delivered exactly once per subscription (a racing second try sends
nothing), given up after the maximum, replayed on request; and never lost when the broker is down.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from ltc.integrations import events, signing, webhooks
from ltc.integrations.events import emit
from ltc.integrations.models import (
    DeliveryAttempt,
    DeliveryState,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)

from ..contracts.steps import approved, signing_deal
from .helpers import Receiver

SECRET = "whsec-test"
WAIT_SECONDS = 20
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscription(receiver):
    return WebhookSubscription.objects.create(
        name="ERP",
        url=receiver.url,
        secret=SECRET,
        events=["contract.signed", "lead.converted"],
    )


def wait_until(condition) -> bool:
    """Poll the database until the worker has done its work (bounded; assertions follow)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def only_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def make_due(row: WebhookDelivery) -> None:
    """Skip the backoff: the retry is due now (instead of sleeping through it)."""
    WebhookDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )


def assert_signed(request, secret=SECRET):
    stamp = request.headers[signing.TIMESTAMP_HEADER]
    assert signing.verify(secret, stamp, request.body, request.headers[signing.SIGNATURE_HEADER])


# Signatures --------------------------------------------------------------------------------------
def test_a_signature_verifies_and_a_tampered_body_or_old_timestamp_does_not():
    body = b'{"event":"contract.signed"}'
    signature = signing.sign(SECRET, 1_900_000_000, body)
    assert signature.startswith("sha256=")
    assert signing.verify(SECRET, "1900000000", body, signature, now=1_900_000_010)
    assert not signing.verify(SECRET, "1900000000", body + b" ", signature, now=1_900_000_010)
    assert not signing.verify("other", "1900000000", body, signature, now=1_900_000_010)
    assert not signing.verify(SECRET, "1900000000", body, signature, now=1_900_001_000)
    assert not signing.verify(SECRET, "not a time", body, signature)


# One delivery, called directly (no broker) ---------------------------------------------------------
@pytest.mark.django_db
def test_a_delivery_posts_the_signed_event_and_records_the_attempt(org, receiver, subscription):
    event = emit("lead.converted", {"lead": 7, "opportunity": 9, "customer": 3})
    row = only_delivery()
    assert webhooks.deliver(str(row.uuid)) == DeliveryState.DELIVERED
    (request,) = receiver.requests
    assert_signed(request)
    assert request.headers[signing.EVENT_HEADER] == "lead.converted"
    assert request.headers[signing.DELIVERY_HEADER] == str(row.uuid)
    document = json.loads(request.body)
    assert document == {
        "id": str(event.uuid),
        "event": "lead.converted",
        "created_at": event.created_at.isoformat(),
        "data": {"lead": 7, "opportunity": 9, "customer": 3},
    }
    (attempt,) = DeliveryAttempt.objects.all()
    assert (attempt.number, attempt.status_code, attempt.succeeded) == (1, 200, True)
    assert webhooks.deliver(str(row.uuid)) == "skipped"  # delivered: nothing is sent again
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_failures_back_off_exponentially_and_give_up_after_the_maximum(
    org, receiver, subscription, settings
):
    settings.LTC_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [503]
    start = timezone.make_aware(datetime(2030, 5, 6, 9, 0))
    with time_machine.travel(start, tick=False) as clock:
        emit("lead.converted", {"lead": 1})
        key = str(only_delivery().uuid)
        assert webhooks.deliver(key) == DeliveryState.PENDING
        assert only_delivery().next_attempt_at == start + timedelta(seconds=30)
        assert webhooks.deliver(key) == "skipped"  # not due yet
        clock.shift(timedelta(seconds=30))
        assert webhooks.deliver(key) == DeliveryState.PENDING
        assert only_delivery().next_attempt_at == start + timedelta(seconds=30 + 120)
        clock.shift(timedelta(seconds=120))
        assert webhooks.deliver(key) == DeliveryState.FAILED
    attempts = list(DeliveryAttempt.objects.order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 503, False),
        (2, 503, False),
        (3, 503, False),
    ]
    assert attempts[0].response_excerpt == "receiver says no"
    assert attempts[-1].next_retry_at is None


@pytest.mark.django_db
def test_an_unreachable_receiver_is_a_recorded_failed_attempt(org, subscription):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url="http://127.0.0.1:1/x")
    emit("lead.converted", {"lead": 1})
    assert webhooks.deliver(str(only_delivery().uuid)) == DeliveryState.PENDING
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower() or "error" in attempt.error.lower()


@pytest.mark.django_db
def test_a_replay_sends_a_delivered_or_failed_event_again(org, receiver, subscription):
    emit("lead.converted", {"lead": 1})
    row = only_delivery()
    webhooks.deliver(str(row.uuid))
    assert webhooks.replay(deliveries=[row.pk]) == 1
    assert only_delivery().state == DeliveryState.PENDING
    assert webhooks.deliver(str(row.uuid)) == DeliveryState.DELIVERED
    assert len(receiver.requests) == 2
    assert list(DeliveryAttempt.objects.values_list("number", flat=True).order_by("number")) == [
        1,
        2,
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_delivery_send_it_once(org, receiver, subscription):
    receiver.delay = 0.3  # the first request is still in flight when the second worker tries
    with transaction.atomic():
        emit("lead.converted", {"lead": 1})
    key = str(only_delivery().uuid)
    results = []

    def work():
        try:
            results.append(webhooks.deliver(key))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One worker sends; the others find it leased ("skipped") or, when a thread starts after
    # the send (a loaded machine), already delivered. Either way the receiver hears it once.
    assert len(results) == 3 and DeliveryState.DELIVERED in results
    assert set(results) <= {DeliveryState.DELIVERED, "skipped"}, results
    assert len(receiver.requests) == 1
    assert DeliveryAttempt.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_blocked_behind_another_finds_the_delivery_taken(org, subscription):
    """Deterministic form of the race: the first claim holds its row lock (uncommitted) while
    the second waits on it; once the first commits, the second must see the taken row and claim
    nothing. (A claim written as ``id IN (subquery)`` re-checked only the id and claimed too.)"""
    with transaction.atomic():
        emit("lead.converted", {"lead": 1})
    key = str(only_delivery().uuid)
    first_claimed = threading.Event()
    release = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                outcome["first"] = webhooks.claim(key, timezone.now())
                first_claimed.set()
                release.wait(WAIT_SECONDS)
        finally:
            connection.close()

    def second():
        try:
            outcome["second"] = webhooks.claim(key, timezone.now())
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_claimed.wait(WAIT_SECONDS)
    two = threading.Thread(target=second)
    two.start()

    def second_is_waiting_on_the_lock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            return cursor.fetchone()[0] == 1

    assert wait_until(second_is_waiting_on_the_lock)
    release.set()
    one.join()
    two.join()
    assert outcome == {"first": 1, "second": 0}
    assert only_delivery().attempts == 1


# Through a real Celery worker -------------------------------------------------------------------
def _use_broker(app, url: str) -> None:
    """Point the app's publishers at ``url`` (the worker keeps its own connection)."""
    from kombu import pools

    app.conf.update({"CELERY_BROKER_URL": url})
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu keeps producer pools per connection, process-wide


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try_exactly_once(
    org, receiver, subscription, celery_app, celery_worker
):
    receiver.statuses = [500, 500, 200]
    with transaction.atomic():
        emit("contract.signed", {"contract": 1})
    # The first try is published on commit and run by the worker.
    assert wait_until(lambda: DeliveryAttempt.objects.count() == 1)
    for tries in (2, 3):
        row = only_delivery()
        assert row.state == DeliveryState.PENDING
        make_due(row)
        assert webhooks.sweep() == 1
        assert wait_until(lambda tries=tries: DeliveryAttempt.objects.count() == tries)
    assert wait_until(lambda: only_delivery().state == DeliveryState.DELIVERED)
    assert webhooks.sweep() == 0  # nothing left to send
    attempts = list(DeliveryAttempt.objects.order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert len({r.body for r in receiver.requests}) == 1  # the same event every time
    for request in receiver.requests:
        assert_signed(request)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_contract_is_signed_and_its_webhook_sent_when_it_is_back(
    org, receiver, subscription, celery_app, celery_worker, monkeypatch
):
    contract = approved(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    working_broker = celery_app.conf.broker_url
    queued = []  # what each on-commit publish managed to queue
    real_publish = events.publish
    monkeypatch.setattr(events, "publish", lambda keys: queued.append(real_publish(keys)))
    _use_broker(celery_app, UNREACHABLE_BROKER)
    try:
        from contracts.services import sign_contract

        sign_contract(contract=contract, by=org.rep1)  # publishes on commit: fails, logged
    finally:
        _use_broker(celery_app, working_broker)
    assert queued == [0]  # the publish failed (logged, not raised)
    contract.refresh_from_db()
    assert contract.state == "signed"
    event = OutboxEvent.objects.get(name="contract.signed")
    row = WebhookDelivery.objects.get(event=event)
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 0)
    assert receiver.requests == []

    # The broker is back: the beat's sweep queues what is pending and the worker sends it.
    assert webhooks.sweep(grace=timedelta(0)) == 1
    assert wait_until(lambda: WebhookDelivery.objects.get(pk=row.pk).state == "delivered")
    (request,) = receiver.requests
    assert_signed(request)
    assert json.loads(request.body)["data"]["contract"] == contract.pk
