"""Per-token rate limit for integration tokens (``REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']
['integration']``). Over the limit the answer is 429 with ``detail`` and ``Retry-After``.
Users with a session or a user token are not throttled by this class.

The count is one atomic counter per token and window in the default cache, which is Redis when
configured: the limit holds across every app server and process (a read-then-write of a
request history, DRF's way, would let two nodes both pass the last slot). While that cache is
down the count falls back to this process's own memory, so an outage loosens the limit to
"per process" and never turns an integration request into a 500."""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from .models import IntegrationToken

log = logging.getLogger(__name__)


class IntegrationTokenThrottle(SimpleRateThrottle):
    scope = "integration"

    def get_cache_key(self, request, view):
        token = request.auth
        if not isinstance(token, IntegrationToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.wait_seconds = self.duration - (now % self.duration)
        key = f"{key}:{window}"
        try:
            count = self._count(caches["default"], key)
        except Exception:
            log.warning("shared cache unavailable: throttling per process", exc_info=True)
            count = self._count(caches["local"], key)
        return count <= self.num_requests

    def _count(self, cache, key: str) -> int:
        # add is SET NX; incr is INCR on Redis: atomic across nodes.
        if cache.add(key, 1, timeout=self.duration + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            cache.add(key, 1, timeout=self.duration + 1)
            return 1

    def wait(self):
        return getattr(self, "wait_seconds", None)
