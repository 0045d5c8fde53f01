"""The sections of a customer's page beyond its own details. Apps that read the chain (the
dashboards) register a provider; this app imports none of them, as for the workbench panels.

A provider is ``fn(user, customer) -> list[dict]``; each dict has a ``template`` to include and
whatever that template reads. Each provider scopes its rows to what ``user`` sees and runs a
fixed number of queries whatever the number of rows."""

from collections.abc import Callable

_PROVIDERS: list[Callable] = []


def register(provider: Callable) -> Callable:
    _PROVIDERS.append(provider)
    return provider


def sections_for(user, customer) -> list[dict]:
    sections: list[dict] = []
    for provider in _PROVIDERS:
        sections.extend(provider(user, customer))
    return sections
