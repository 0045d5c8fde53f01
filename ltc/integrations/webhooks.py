"""Sending one webhook delivery: claim it, POST the signed event, record the attempt, and either
finish it or schedule the next try with exponential backoff.

The claim is a conditional update (pending and due → sending, with a lease), so of two tasks for
the same delivery (the first try and a sweep, a retry and a replay) only one sends; a lease that
runs out (the worker died mid-request) makes the delivery claimable again."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import signing
from .events import publish
from .models import DeliveryAttempt, DeliveryState, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500


def max_attempts() -> int:
    return int(getattr(settings, "LTC_WEBHOOK_MAX_ATTEMPTS", 10))


def request_timeout() -> float:
    return float(getattr(settings, "LTC_WEBHOOK_TIMEOUT_SECONDS", 10))


def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 2 min, 8 min, 32 min, … at most 12 hours."""
    base = float(getattr(settings, "LTC_WEBHOOK_BACKOFF_SECONDS", 30))
    return timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), 12 * 3600))


def lease() -> timedelta:
    return timedelta(seconds=request_timeout() * 3 + 30)


def claimable(now: datetime) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, lease_until__lt=now
    )


def body_of(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    document = {
        "id": str(event.uuid),
        "event": event.name,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer (a failed attempt), not a hop: the body must not be lost


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code or None, response excerpt, error)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=request_timeout()) as response:
            text = response.read(EXCERPT_CHARS * 4).decode("utf-8", errors="replace")
            return response.status, text[:EXCERPT_CHARS], ""
    except urllib.error.HTTPError as exc:
        try:
            text = exc.read(EXCERPT_CHARS * 4).decode("utf-8", errors="replace")
        except Exception:
            text = ""
        return exc.code, text[:EXCERPT_CHARS], f"HTTP {exc.code}"
    except Exception as exc:  # refused, timed out, DNS, TLS…: a failed attempt, recorded
        return None, "", f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS]


def claim(key: str, now: datetime) -> int:
    """Take the delivery for one attempt if it is due and nobody holds it: 1, else 0.

    Every condition on the delivery's own row sits in the UPDATE's own WHERE, which PostgreSQL
    re-checks against the row a concurrent claim has just committed. A join on the subscription
    would make Django write ``WHERE id IN (SELECT … JOIN …)``, a subquery read from the old
    snapshot, and every racing worker would send."""
    return WebhookDelivery.objects.filter(
        claimable(now),
        uuid=key,
        subscription_id__in=WebhookSubscription.objects.filter(active=True).values("pk"),
    ).update(state=DeliveryState.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1)


def deliver(key: str) -> str:
    """Try one delivery now if it is due and nobody else holds it. Answers its state after."""
    now = timezone.now()
    claimed = claim(key, now)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(uuid=key)
    body = body_of(delivery)
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LTC-Webhooks/1.0",
        signing.EVENT_HEADER: delivery.event.name,
        signing.DELIVERY_HEADER: str(delivery.uuid),
        signing.TIMESTAMP_HEADER: str(stamp),
        signing.SIGNATURE_HEADER: signing.sign(delivery.subscription.secret, stamp, body),
    }
    status_code, excerpt, error = _post(delivery.subscription.url, body, headers)
    succeeded = status_code is not None and 200 <= status_code < 300
    finished = timezone.now()
    attempt_number = delivery.attempts
    next_at = None
    with transaction.atomic():
        mine = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING)
        if succeeded:
            mine.update(state=DeliveryState.DELIVERED, delivered_at=finished, lease_until=None)
            state = DeliveryState.DELIVERED
        elif attempt_number >= max_attempts():
            mine.update(state=DeliveryState.FAILED, lease_until=None)
            state = DeliveryState.FAILED
        else:
            next_at = finished + backoff(attempt_number)
            mine.update(state=DeliveryState.PENDING, next_attempt_at=next_at, lease_until=None)
            state = DeliveryState.PENDING
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=attempt_number,
            at=finished,
            status_code=status_code,
            response_excerpt=excerpt,
            error=error if not succeeded else "",
            succeeded=succeeded,
            next_retry_at=next_at,
        )
    if not succeeded:
        log.info("webhook %s attempt %s failed: %s", key, attempt_number, error)
    return state


def sweep(*, limit: int = 500, grace: timedelta | None = None) -> int:
    """Queue every delivery that is due and not queued by anyone else: the first try of events
    stored while the broker was down, retries whose backoff has passed, leases that ran out.
    Answers how many were queued."""
    grace = timedelta(seconds=15) if grace is None else grace
    now = timezone.now()
    keys = list(
        WebhookDelivery.objects.filter(
            Q(state=DeliveryState.PENDING, next_attempt_at__lte=now - grace)
            | Q(state=DeliveryState.SENDING, lease_until__lt=now),
            subscription__active=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("uuid", flat=True)[:limit]
    )
    return publish([str(k) for k in keys])


def replay(*, deliveries, by=None) -> int:
    """Send these deliveries again (failed ones, or delivered ones a receiver lost), now."""
    keys = []
    now = timezone.now()
    with transaction.atomic():
        rows = list(WebhookDelivery.objects.select_for_update().filter(pk__in=deliveries))
        for delivery in rows:
            if delivery.state == DeliveryState.SENDING and (
                delivery.lease_until and delivery.lease_until > now
            ):
                continue  # being sent right now
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None
            )
            keys.append(str(delivery.uuid))
        if keys:
            transaction.on_commit(lambda: publish(keys))
    return len(keys)
