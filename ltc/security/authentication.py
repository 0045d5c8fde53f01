"""API tokens of people expire: a token older than ``LTC_API_TOKEN_HOURS`` is refused with a
401 that says so, and ``POST auth/token/`` hands out a fresh one in its place."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.LTC_API_TOKEN_HOURS)


def token_has_expired(token) -> bool:
    return token.created <= timezone.now() - token_lifetime()


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_has_expired(token):
            raise exceptions.AuthenticationFailed(
                _("The token has expired; request a new one at auth/token/.")
            )
        return user, token
