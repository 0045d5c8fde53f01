"""Issuing, finding and revoking a person's API tokens (``UserToken``). A key reads
``ltu_<prefix>_<secret>``; only its SHA-256 is stored, and the prefix is what lists show."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, NotAllowed

from . import token_cache
from .models import UserToken

KEY_START = "ltu_"
MAX_ACTIVE_PER_USER = 20


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.LTC_API_TOKEN_HOURS)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_user_key(key: str) -> bool:
    return key.startswith(KEY_START)


@transaction.atomic
def issue_user_token(*, user, name: str = "api") -> tuple[UserToken, str]:
    """A new token for ``user``'s client or device ``name`` (the one it had is revoked); the key
    is returned here and nowhere else."""
    name = (name or "api").strip()[:100]
    if not name:
        raise InvalidInput(_("Name the client or device."), "client")
    now = timezone.now()
    # The user row serialises concurrent issues for the same person.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    token_cache.forget_tokens(
        UserToken.objects.filter(user=user, name=name, revoked_at__isnull=True)
    )
    UserToken.objects.filter(user=user, name=name, revoked_at__isnull=True).update(revoked_at=now)
    if UserToken.objects.of(user).active().count() >= MAX_ACTIVE_PER_USER:
        raise InvalidInput(
            _("At most %(max)s tokens at once: revoke one you no longer use.")
            % {"max": MAX_ACTIVE_PER_USER},
            "client",
        )
    prefix = secrets.token_hex(4)
    key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = UserToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        created_at=now,
        expires_at=now + token_lifetime(),
        # Handing the key out is its first use: no write on the first request that follows.
        last_used_at=now,
    )
    return token, key


def token_for_key(key: str) -> UserToken | None:
    """The token of ``key`` (usable or not), with its user; None for an unknown key. From the
    shared cache when it has it (``token_cache``), else from the database."""
    if not looks_like_user_key(key) or len(key) > 200:
        return None
    key_hash = hash_key(key)
    token = token_cache.get(key_hash)
    if token is None:
        token = UserToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is not None:
            token_cache.put(token)
    return token


def revoke_user_token(*, token: UserToken, by) -> UserToken:
    """Its owner revokes a token (404 for anyone else is the caller's scoping; this refuses)."""
    if token.user_id != by.pk:
        raise NotAllowed(_("Only its owner revokes a token."))
    token_cache.forget_tokens(UserToken.objects.filter(pk=token.pk))
    UserToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def revoke_all_user_tokens(user_id: int) -> int:
    token_cache.forget_user(user_id)
    return UserToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
