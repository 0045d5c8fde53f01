"""People's API tokens, looked up once and then read from the shared cache.

Every API call by token looked its token and user up (a join, an ORM build: 7% of an API
worker's CPU). The token with its user is kept in the default cache (Redis, shared by every
node and process) under the SHA-256 of the key, and forgotten exactly when what it says can
change: a token revoked or rotated (``tokens.py``: issue, revoke, revoke all; the admin's
action), or its user saved (role, team, active, password; ``signals.py``). It is forgotten at
once and again when the transaction commits, so a request that read the old row before the
commit cannot leave it behind. Expiry needs nothing: the cached token carries ``expires_at``,
checked on every call. ``LTC_TOKEN_CACHE_SECONDS`` bounds what any other change (a user field
written by a queryset update) can leave stale; it is 0, no cache, where the cache is per
process (no Redis), since one process could not forget what another kept.

A cache that does not answer is a cache miss: the database decides, never a 500.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)
PREFIX = "usertoken:"


def _seconds() -> int:
    return int(getattr(settings, "LTC_TOKEN_CACHE_SECONDS", 0) or 0)


def get(key_hash: str):
    if not _seconds():
        return None
    try:
        return cache.get(PREFIX + key_hash)
    except Exception:  # the cache is down: the database answers
        log.warning("token cache unavailable", exc_info=True)
        return None


def put(token) -> None:
    """Keep ``token`` (with its user loaded) for the next calls: at once when it was read
    outside a transaction (an API call's lookup), else when the transaction commits, so what a
    transaction wrote and then rolled back is never kept."""
    if not _seconds():
        return

    def keep():
        try:
            cache.set(PREFIX + token.key_hash, token, _seconds())
        except Exception:
            log.warning("token cache unavailable", exc_info=True)

    transaction.on_commit(keep)


def _delete(hashes: list[str]) -> None:
    if not hashes or not _seconds():
        return
    keys = [PREFIX + h for h in hashes]

    def delete():
        try:
            cache.delete_many(keys)
        except Exception:
            log.warning("token cache unavailable", exc_info=True)

    delete()
    transaction.on_commit(delete)


def forget_tokens(queryset) -> None:
    """Forget the tokens of ``queryset`` (before it is updated: its hashes are read first)."""
    if _seconds():
        _delete(list(queryset.values_list("key_hash", flat=True)))


def forget_user(user_id: int) -> None:
    """Forget every token of the user (their cached copies carry the user as it was)."""
    if _seconds():
        from .models import UserToken

        # A revoked token is refused whatever its cached copy says about the user.
        forget_tokens(UserToken.objects.filter(user_id=user_id, revoked_at__isnull=True))
