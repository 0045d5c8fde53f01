"""Read-side queries of the tender pages and the API: scoped, with a fixed number of queries."""

from __future__ import annotations

from django.db.models import QuerySet

from ltc.org.models import User

from .models import Tender, TenderState

STATE_FILTERS = set(TenderState.values) | {"bond_outstanding"}


def tenders_for(user, *, state: str = "") -> QuerySet:
    tenders = Tender.objects.visible_to(user).for_list().order_by("submission_due_at", "-id")
    if state == "bond_outstanding":
        return tenders.filter(bond_amount__gt=0, bond_returned_on__isnull=True)
    if state in TenderState.values:
        return tenders.filter(state=state)
    return tenders


def tender_for(user, pk: int) -> Tender:
    """The tender ``user`` may see (DoesNotExist otherwise: a 404)."""
    return (
        Tender.objects.visible_to(user)
        .select_related(
            "opportunity",
            "opportunity__customer",
            "opportunity__owner",
            "opportunity__solution_owner",
            "opportunity__fulfillment_owner",
            "opportunity__stage",
            "created_by",
        )
        .get(pk=pk)
    )


def bid_team_candidates(tender: Tender) -> list[User]:
    """Who may take a task: people who see the deal — its triangle, then the manager above it."""
    from ltc.org.scoping import managers_of

    deal = tender.opportunity
    triangle = [u for u in (deal.owner, deal.solution_owner, deal.fulfillment_owner) if u]
    leaders = managers_of([deal.owner_id]).get(deal.owner_id, [])
    seen = {u.pk for u in triangle}
    managers = User.objects.filter(pk__in=leaders, is_active=True).exclude(pk__in=seen)
    return triangle + list(managers.order_by("username"))
