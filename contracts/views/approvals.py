"""The managers' one inbox: the quotes, deal reviews, contract reviews and changes waiting for
their decision."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from opportunities.models import Review

from .. import selectors


# The managers' inbox -----------------------------------------------------------------------------
@login_required
def approvals(request):
    """What waits for this manager: discounts to approve, deal reviews to decide (the reviews'
    own rule, ``Review.objects.to_decide_by``), contract reviews to decide (escalated ones whose
    first approver they manage included), reviewed change requests."""
    waiting = selectors.approvals_waiting(request.user)
    reviews = (
        Review.objects.to_decide_by(request.user)
        .select_related(
            "opportunity", "opportunity__owner", "opportunity__customer", "requested_by"
        )
        .order_by("requested_at", "id")[:200]
    )
    quotes = (
        waiting["quotes"]
        .select_related("opportunity", "opportunity__customer", "opportunity__owner")
        .order_by("created_at", "id")[:200]
    )
    contracts = (
        waiting["contracts"]
        .select_related(
            "customer", "opportunity", "opportunity__owner", "review", "review__first_approved_by"
        )
        .order_by("review__requested_at", "id")[:200]
    )
    changes = (
        waiting["changes"]
        .select_related("contract", "contract__customer", "requested_by")
        .order_by("requested_at", "id")[:200]
    )
    return render(
        request,
        "contracts/approvals.html",
        {
            "quotes": quotes,
            "reviews": reviews,
            "contracts": contracts,
            "changes": changes,
            "title": _("Approvals"),
        },
    )
