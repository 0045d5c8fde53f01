"""Workbench panels. Chain apps register a function returning panels for a user; this module
imports none of them (they register themselves in their AppConfig.ready)."""

from collections.abc import Callable

_PROVIDERS: list[Callable] = []


def register(provider: Callable) -> Callable:
    _PROVIDERS.append(provider)
    return provider


def register_first(provider: Callable) -> Callable:
    """A panel every workbench starts with (the day's activities)."""
    _PROVIDERS.insert(0, provider)
    return provider


def panels_for(user) -> list[dict]:
    panels: list[dict] = []
    for provider in _PROVIDERS:
        for panel in provider(user):
            # Every panel has both lists, so the template never falls back to dict.items().
            panel.setdefault("leads", [])
            panel.setdefault("items", [])
            panels.append(panel)
    return panels
