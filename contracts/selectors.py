"""Read-side queries shared by the pages and the workbench."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ChangeRequest, Contract, Quote


def approvals_waiting(user) -> dict[str, QuerySet]:
    """What waits for this manager: discounts to approve, contract reviews to decide (escalated
    ones whose first approver they manage included), reviewed change requests. Each is the
    queryset form of the approve action's rule (``Quote.objects.approvable_by``,
    ``Contract.objects.decidable_by``, ``ChangeRequest.objects.approvable_by``). Unsliced and
    unordered: the caller orders and bounds them."""
    return {
        "quotes": Quote.objects.visible_to(user).approvable_by(user),
        "contracts": Contract.objects.decidable_by(user),
        "changes": ChangeRequest.objects.approvable_by(user),
    }


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
