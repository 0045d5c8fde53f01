"""The transactional outbox: ``emit`` stores an event in the caller's transaction, one delivery
per subscription that wants it, and publishes the deliveries once the transaction commits. If the
broker is down the change still commits; the periodic ``sweep_outbox`` sends what is pending.

Events and their payloads (ids are integers, amounts strings with two decimals, dates ISO 8601):

- ``lead.converted``: ``lead``, ``opportunity``, ``customer``, ``converted_at``
- ``opportunity.won``: ``opportunity``, ``name``, ``customer``, ``amount``, ``currency``, ``won_at``
- ``opportunity.lost``: ``opportunity``, ``name``, ``customer``, ``amount``, ``currency``,
  ``state`` (lost or abandoned), ``reason``, ``competitor``, ``closed_at``
- ``contract.signed``: ``contract``, ``number``, ``opportunity``, ``customer``, ``amount``,
  ``currency``, ``signed_on``
- ``delivery_unit.accepted``: ``delivery_unit``, ``name``, ``order``, ``order_number``,
  ``contract``, ``amount``, ``currency``, ``accepted_on``, ``certificate`` (one event per unit)
- ``invoice.issued``: ``invoice``, ``number``, ``customer``, ``amount``, ``currency``, ``issued_on``
- ``payment.received``: ``payment``, ``customer``, ``amount``, ``currency``, ``received_on``,
  ``reference``, ``allocations`` [``invoice``, ``amount``]

The body a receiver gets: ``{"id": <event uuid>, "event": <name>, "created_at": …, "data": payload}``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Event, OutboxEvent, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)


def _plain(value):
    """JSON-ready: Decimals as strings, dates ISO, nested lists and dicts too."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def emit(name: str, payload: dict) -> OutboxEvent:
    """Store the event in the current transaction; publish its deliveries after the commit."""
    return emit_many(name, [payload])[0]


def emit_many(name: str, payloads: list[dict]) -> list[OutboxEvent]:
    """One event per payload (e.g. one per accepted unit) in a fixed number of queries."""
    if name not in Event.values:
        raise ValueError(f"unknown event {name!r}")
    now = timezone.now()
    events = OutboxEvent.objects.bulk_create(
        [OutboxEvent(name=name, payload=_plain(p), created_at=now) for p in payloads]
    )
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(active=True).only("id", "events")
        if s.wants(name)
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=e, subscription=s, next_attempt_at=now, created_at=now)
            for e in events
            for s in subscriptions
        ]
    )
    if deliveries:
        keys = [str(d.uuid) for d in deliveries]
        transaction.on_commit(lambda: publish(keys))
    return events


def publish(delivery_keys: list[str]) -> int:
    """Queue one delivery task per key; never raises (a broker that is down is logged, and the
    sweep sends them later). Answers how many were queued."""
    from .tasks import deliver_webhook

    queued = 0
    for key in delivery_keys:
        try:
            deliver_webhook.apply_async(args=[key], retry=False)
        except Exception:
            log.warning("could not publish webhook delivery %s; the sweep will send it", key)
            break  # the broker is down: do not wait for it once per delivery
        queued += 1
    return queued
