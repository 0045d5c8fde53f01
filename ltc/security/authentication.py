"""DRF authentication by a person's API token: ``Authorization: Token ltu_…``.
A revoked or expired token is refused with a 401 that says so; ``POST auth/token/`` (user name,
password, client) issues a new one. Integration tokens (``ltc_…``) are answered before this by
ltc.integrations."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import token_cache
from .models import UserToken
from .tokens import looks_like_user_key, token_for_key

# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class UserTokenAuthentication(authentication.BaseAuthentication):
    keywords = (b"token",)

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        if not looks_like_user_key(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = token_for_key(key)
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("The token has expired; request a new one at auth/token/.")
            )
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            UserToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            token_cache.put(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'
