"""The search registry. A provider is ``provider(user, query, limit) -> list[Hit]``: one query,
on the model's ``visible_to(user)``, at most ``limit`` rows. So a search runs one query per
provider whatever the data, and never shows what the user may not open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

MIN_LENGTH = 2
LIMIT = 10


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Provider:
    order: int
    kind: str  # the group heading ("Leads"), translatable
    find: Callable[..., list[Hit]]


_PROVIDERS: list[Provider] = []
_discovered = False


def register(*, kind, order: int):
    """``@register(kind=_("Leads"), order=20)`` over a provider function."""

    def wrap(find: Callable[..., list[Hit]]):
        _PROVIDERS.append(Provider(order=order, kind=kind, find=find))
        return find

    return wrap


def providers() -> list[Provider]:
    global _discovered
    if not _discovered:
        autodiscover_modules("search")
        _discovered = True
    return sorted(_PROVIDERS, key=lambda p: p.order)


def search(user, query: str, limit: int = LIMIT) -> list[tuple[str, list[Hit]]]:
    """Every group with its hits (groups without hits are left out)."""
    query = (query or "").strip()
    if len(query) < MIN_LENGTH or not user.is_authenticated:
        return []
    groups = []
    for provider in providers():
        hits = provider.find(user, query, limit)
        if hits:
            groups.append((provider.kind, hits))
    return groups
