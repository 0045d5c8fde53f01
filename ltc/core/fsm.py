"""Conditions that explain themselves.

A transition's conditions are ``requirement`` objects: callables django-fsm evaluates, each with a
code and a label. ``unmet(model_method)`` evaluates them all, so a refusal lists every missing
item instead of the first one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import Missing, TransitionRefused


class requirement:  # noqa: N801 - used as a decorator, reads as a word
    """Decorate ``def has_budget_confirmed(instance) -> bool`` to give it a code and a label."""

    def __init__(self, code: str, label: str | Promise):
        self.code = code
        self.label = label
        self.check: Callable[[object], bool] | None = None

    def __call__(self, instance_or_func):
        if self.check is None:
            self.check = instance_or_func
            self.__name__ = instance_or_func.__name__
            return self
        return bool(self.check(instance_or_func))

    def missing(self) -> Missing:
        return Missing(self.code, self.label)


def unmet(instance, method_name: str) -> list[Missing]:
    """Every requirement of the transition ``method_name`` that ``instance`` does not meet now.

    A transition that is not possible from the current state is reported as one missing item
    naming the state, so callers can always answer with a list.
    """
    method = getattr(instance, method_name)
    meta = method._django_fsm
    state = meta.field.get_state(instance)
    transition = meta.get_transition(state)
    if transition is None:
        return [
            Missing(
                "state",
                _("Not possible while the record is “%(state)s”.")
                % {"state": _display_state(instance, meta.field, state)},
            )
        ]
    missing = []
    for condition in transition.conditions:
        if not condition(instance):
            if isinstance(condition, requirement):
                missing.append(condition.missing())
            else:
                missing.append(Missing(condition.__name__, condition.__name__))
    return missing


def ensure_can(instance, method_name: str, detail, extra: list[Missing] | None = None) -> None:
    """Raise ``TransitionRefused`` listing every unmet item, the caller's ``extra`` included."""
    missing = unmet(instance, method_name) + list(extra or [])
    if missing:
        raise TransitionRefused(detail, missing)


def _display_state(instance, field, state) -> str:
    choices = dict(field.choices or [])
    return str(choices.get(state, state))
