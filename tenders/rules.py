"""Who may do what with a tender: the one rule, asked by the services, the pages and the API.

A tender is part of its deal: whoever sees the deal sees the tender (``querysets.py``); the iron
triangle and the managers above the deal prepare it (edit, bid team, submit, the bond); the AR
and the managers record its result (won, lost, cancelled), as they close the deal."""

from __future__ import annotations

from opportunities import services as deals

from .models import ACTIVE_STATES, Tender, TenderState


def may_work_on(user, tender: Tender) -> bool:
    return deals.works_on(user, tender.opportunity)


def may_decide(user, tender: Tender) -> bool:
    return deals.may_steer(user, tender.opportunity)


def may_open_tender(user, opportunity) -> bool:
    return opportunity.is_open and deals.works_on(user, opportunity)


def allowed(user, tender: Tender) -> dict[str, bool]:
    """What the page offers ``user`` on ``tender`` (the services refuse the rest)."""
    work = may_work_on(user, tender)
    decide = may_decide(user, tender)
    active = tender.state in ACTIVE_STATES
    return {
        "edit": work and active,
        "team": work and tender.state == TenderState.PREPARING,
        "submit": work and tender.state == TenderState.PREPARING,
        "result": decide and tender.state == TenderState.SUBMITTED,
        "cancel": decide and active,
        "bond": work and not active and tender.bond_outstanding,
    }
