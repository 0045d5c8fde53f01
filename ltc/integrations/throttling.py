"""Per-token rate limit for integration tokens (``REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']
['integration']``). Over the limit the answer is 429 with ``detail`` and ``Retry-After``.
Users with a session or a user token are not throttled by this class."""

from __future__ import annotations

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from .models import IntegrationToken


class IntegrationTokenThrottle(SimpleRateThrottle):
    scope = "integration"

    @property
    def cache(self):
        # A cache shared by every app server when configured (Redis), else the default.
        from django.conf import settings

        return caches["throttle" if "throttle" in settings.CACHES else "default"]

    def get_cache_key(self, request, view):
        token = request.auth
        if not isinstance(token, IntegrationToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
