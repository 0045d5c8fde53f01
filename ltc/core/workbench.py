"""Workbench panels. Chain apps register a function returning panels for a user; this module
imports none of them (they register themselves in their AppConfig.ready)."""

from collections.abc import Callable

_PROVIDERS: list[Callable] = []


def register(provider: Callable) -> Callable:
    _PROVIDERS.append(provider)
    return provider


def panels_for(user) -> list[dict]:
    panels: list[dict] = []
    for provider in _PROVIDERS:
        panels.extend(provider(user))
    return panels
