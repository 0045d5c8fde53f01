"""What every contract service shares: the registries downstream apps fill, small guards."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ltc.core.errors import Missing, NotAllowed

from ..models import (
    Contract,
)

# Downstream apps (delivery, billing) add what must be true before a contract closes
# (``fn(contract) -> list[Missing]``) and before a change of its amount or payment terms is
# applied (``fn(contract, new_amount, new_terms) -> list[Missing]``, ``new_terms`` the milestones
# after the change as ``clean_terms`` rows, in their order). We never import them.
_CLOSE_CHECKS: list[Callable[[Contract], list[Missing]]] = []
_AMOUNT_CHECKS: list[Callable[[Contract, Decimal, list[dict]], list[Missing]]] = []


def register_close_check(fn):
    _CLOSE_CHECKS.append(fn)
    return fn


def register_amount_check(fn):
    _AMOUNT_CHECKS.append(fn)
    return fn


# Downstream apps (billing) keep figures that follow the contract's amount and payment terms;
# each listener is ``fn(contract)``, called in the transaction that applied a change request, on
# the locked contract, registered in the app's AppConfig.ready.
_CHANGE_LISTENERS: list[Callable[[Contract], None]] = []


def register_change_listener(fn):
    _CHANGE_LISTENERS.append(fn)
    return fn


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


def _deal_url(opportunity_id: int) -> str:
    return f"/opportunities/{opportunity_id}/"
