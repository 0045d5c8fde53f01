"""Integration token keys: ``ltc_<prefix>_<secret>``. Only the SHA-256 of the whole key is stored;
the prefix stays visible so an admin can tell tokens apart without knowing them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, NotAllowed
from ltc.org.models import Role

from .models import IntegrationToken, Scope

KEY_START = "ltc_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_integration_key(key: str) -> bool:
    return key.startswith(KEY_START) and key.count("_") >= 2


@transaction.atomic
def create_token(
    *, name: str, user, scopes: list[str], by, expires_at: datetime | None = None
) -> tuple[IntegrationToken, str]:
    """A new token for an integration user; answers the token and its key (shown once)."""
    if not (by.is_superuser or by.role == Role.ADMIN):
        raise NotAllowed(_("Only an administrator creates integration tokens."))
    if user.role != Role.INTEGRATION:
        raise InvalidInput(_("Tokens are for users with the integration role."), "user")
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise InvalidInput(_("Unknown scope: %(scope)s") % {"scope": sorted(unknown)[0]}, "scopes")
    if not (name or "").strip():
        raise InvalidInput(_("Name the token (which system uses it)."), "name")
    prefix = secrets.token_hex(4)
    while IntegrationToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = IntegrationToken.objects.create(
        name=name.strip(),
        user=user,
        scopes=sorted(set(scopes) | {Scope.READ}),
        prefix=prefix,
        key_hash=hash_key(key),
        created_by=by,
        expires_at=expires_at,
    )
    return token, key


def revoke_token(*, token: IntegrationToken, by) -> IntegrationToken:
    if not (by.is_superuser or by.role == Role.ADMIN):
        raise NotAllowed(_("Only an administrator revokes integration tokens."))
    IntegrationToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    return token


def token_for_key(key: str) -> IntegrationToken | None:
    """The usable token with this key, or None (unknown, revoked or expired)."""
    if not looks_like_integration_key(key):
        return None
    return (
        IntegrationToken.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_key(key))
        .first()
    )
