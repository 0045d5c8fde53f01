"""Webhook signatures: ``X-LTC-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with
the subscription's secret, ``X-LTC-Timestamp`` the Unix time of the attempt. A receiver checks
both (and refuses old timestamps, against replays):

    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, "sha256").hexdigest()
    ok = hmac.compare_digest(f"sha256={expected}", signature) and abs(now - int(timestamp)) < 300
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-LTC-Signature"
TIMESTAMP_HEADER = "X-LTC-Timestamp"
EVENT_HEADER = "X-LTC-Event"
DELIVERY_HEADER = "X-LTC-Delivery"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature or "")
