"""Domain errors raised by services. Views and serializers translate them; they never decide."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.encoding import force_str


@dataclass(frozen=True)
class Missing:
    """One unmet requirement: a stable code for machines and a translated label for people."""

    code: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": force_str(self.label)}


class DomainError(Exception):
    """Base of the errors a service raises; ``detail`` is a translated sentence."""

    status_code = 409

    def __init__(self, detail, missing: list[Missing] | None = None):
        self.detail = detail
        self.missing = list(missing or [])
        super().__init__(force_str(detail))

    def as_dict(self) -> dict:
        return {"detail": force_str(self.detail), "missing": [m.as_dict() for m in self.missing]}


class TransitionRefused(DomainError):
    """A transition whose requirements are not all met (HTTP 409)."""


class NotAllowed(DomainError):
    """The user may see the record but may not do this to it (HTTP 403)."""

    status_code = 403


class InvalidInput(DomainError):
    """Input that is well-formed but wrong for this record (HTTP 400); ``field`` names it."""

    status_code = 400

    def __init__(self, detail, field: str | None = None):
        self.field = field
        super().__init__(detail)

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [force_str(self.detail)]}
        return {"detail": force_str(self.detail)}
