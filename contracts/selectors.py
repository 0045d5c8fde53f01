"""Read-side queries shared by the pages and the workbench."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ltc.org.models import Role
from ltc.org.scoping import managed_team_ids, managed_users
from opportunities.models import Review, ReviewKind

from .models import ChangeRequest, ChangeState, Contract, ContractState, Quote, QuoteState


def managed_deals(user, prefix: str = "") -> Q | None:
    """The deals ``user`` decides on as a manager (``None`` when they manage none)."""
    if user.is_superuser or user.role == Role.ADMIN:
        return Q()
    team_ids = managed_team_ids(user)
    if not team_ids:
        return None
    return Q(**{f"{prefix}team_id__in": team_ids}) | Q(
        **{f"{prefix}owner__in": managed_users(user)}
    )


def approvals_waiting(user) -> dict[str, QuerySet]:
    """What waits for this manager: discounts to approve, contract reviews to decide (escalated
    ones whose first approver they manage included), reviewed change requests. Unsliced and
    unordered: the caller orders and bounds them."""
    managed = managed_deals(user, "opportunity__")
    if managed is None:
        return {
            "quotes": Quote.objects.none(),
            "contracts": Contract.objects.none(),
            "changes": ChangeRequest.objects.none(),
        }
    quotes = (
        Quote.objects.visible_to(user)
        .filter(managed, state=QuoteState.PENDING_APPROVAL)
        .exclude(opportunity__owner=user)
    )
    reviews = Review.objects.to_decide_by(user).filter(kind=ReviewKind.CONTRACT)
    contracts = Contract.objects.filter(state=ContractState.IN_REVIEW, review__in=reviews)
    changes = ChangeRequest.objects.filter(state=ChangeState.REVIEWED).filter(
        Q(contract__in=Contract.objects.filter(managed))
    )
    changes = changes.exclude(contract__opportunity__owner=user)
    return {"quotes": quotes, "contracts": contracts, "changes": changes}


def product_ids_of(contract) -> set[int]:
    """The catalogue products the contract sells: those of the quote it was drafted from."""
    from .models import QuoteLine

    if contract.quote_id is None:
        return set()
    return set(
        QuoteLine.objects.filter(quote_id=contract.quote_id, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
