"""What a user may do with a record, and if not, why: the answer of each aggregate's one
``*_actions(user, record)`` function, asked by its services (``require``), its pages (the
buttons: an ``Action`` is true when allowed), its API (403 or 409 from ``require``) and its
queryset filters (built from the same rule and tested against it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.encoding import force_str

from .errors import Missing, NotAllowed, TransitionRefused


@dataclass(frozen=True)
class Action:
    """One action on one record for one user. ``refused`` says why this user may not (HTTP 403);
    ``missing`` names every item the record still lacks (HTTP 409), with ``detail`` the sentence
    of that refusal. Allowed when neither is set."""

    name: str
    refused: object = None  # a (lazy) translated sentence, or None
    missing: tuple[Missing, ...] = ()
    detail: object = ""

    @property
    def allowed(self) -> bool:
        return self.refused is None and not self.missing

    def __bool__(self) -> bool:
        return self.allowed

    def require(self) -> None:
        """Raise the refusal: NotAllowed for who may, TransitionRefused naming every missing
        item for the record's state."""
        if self.refused is not None:
            raise NotAllowed(self.refused)
        if self.missing:
            raise TransitionRefused(self.detail or self.missing[0].label, list(self.missing))

    def require_permitted(self) -> None:
        """Raise only the 403: for a service that checks its input, or gathers more missing
        items under lock, between who may and the record's state, then refuses with all."""
        if self.refused is not None:
            raise NotAllowed(self.refused)

    def as_dict(self) -> dict:
        return {
            "allowed": self.allowed,
            "refused": force_str(self.refused) if self.refused is not None else None,
            "missing": [item.as_dict() for item in self.missing],
        }


def action(name: str, allowed: bool, refused, missing=(), detail="") -> Action:
    """An ``Action`` refused with ``refused`` unless ``allowed``; ``missing`` as given."""
    return Action(name, None if allowed else refused, tuple(missing), detail)
