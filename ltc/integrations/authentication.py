"""DRF authentication by integration token.

Send ``Authorization: Bearer ltc_…`` (preferred). ``Authorization: Token ltc_…`` works too: keys
that start with ``ltc_`` are integration tokens, any other ``Token`` header is left to DRF's own
user tokens (``POST auth/token/``), which keep working unchanged."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import IntegrationToken
from .tokens import looks_like_integration_key, token_for_key

# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(parts) != 2:
            if parts[0].lower() == b"bearer":
                raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
            return None
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        if parts[0].lower() == b"token" and not looks_like_integration_key(key):
            return None  # a user token: DRF's TokenAuthentication answers it
        token = token_for_key(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token."))
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
