"""What partners bring (伙伴报备), per partner, over a period.

- Registrations: those registered in the period that the viewer sees, by state; the acceptance
  rate is accepted (protected or expired since) over decided (accepted or rejected).
- Partner-sourced pipeline: the open deals of the scope created from a registration, now.
- Wins: the deals of the scope created from a registration and won in the period (their won
  value, in the figure's currency)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from .figures import ZERO, _money, rate
from .periods import Period
from .scope import Scope

ACCEPTED = ["accepted", "expired"]


def partners(scope: Scope, period: Period, *, currency: str) -> dict:
    """Four grouped queries, whatever the number of partners and deals."""
    from partners.models import DealRegistration, Partner

    rows: dict[int, dict] = {}

    def row(partner_id: int) -> dict:
        return rows.setdefault(
            partner_id,
            {
                "partner": partner_id,
                "registered": 0,
                "accepted": 0,
                "rejected": 0,
                "acceptance_rate": None,
                "pipeline_count": 0,
                "pipeline_amount": ZERO,
                "won_count": 0,
                "won_amount": ZERO,
            },
        )

    registered = (
        DealRegistration.objects.visible_to(scope.viewer)
        .filter(created_at__gte=period.start_at, created_at__lt=period.end_at)
        .order_by()
        .values("partner")
        .annotate(
            registered=Count("id"),
            accepted=Count("id", filter=Q(state__in=ACCEPTED)),
            rejected=Count("id", filter=Q(state="rejected")),
        )
    )
    for found in registered:
        target = row(found["partner"])
        target.update({k: found[k] for k in ("registered", "accepted", "rejected")})
        target["acceptance_rate"] = rate(found["accepted"], found["accepted"] + found["rejected"])
    sourced = scope.opportunities().filter(registration__isnull=False, currency=currency)
    for found in (
        sourced.filter(state="open")
        .order_by()
        .values("registration__partner")
        .annotate(n=Count("id"), amount=Sum("amount"))
    ):
        target = row(found["registration__partner"])
        target["pipeline_count"], target["pipeline_amount"] = found["n"], _money(found["amount"])
    for found in (
        sourced.filter(state="won", closed_at__gte=period.start_at, closed_at__lt=period.end_at)
        .order_by()
        .values("registration__partner")
        .annotate(n=Count("id"), amount=Sum("amount"))
    ):
        target = row(found["registration__partner"])
        target["won_count"], target["won_amount"] = found["n"], _money(found["amount"])
    names = dict(Partner.objects.filter(pk__in=rows).values_list("pk", "name"))
    result = sorted(
        rows.values(), key=lambda r: (-r["pipeline_amount"], names.get(r["partner"], ""))
    )
    for item in result:
        item["name"] = names.get(item["partner"], "")
    return {
        "currency": currency,
        "partners": result,
        "registered": sum(r["registered"] for r in result),
        "pipeline_amount": _money(sum((r["pipeline_amount"] for r in result), ZERO)),
        "won_amount": _money(sum((r["won_amount"] for r in result), ZERO)),
    }
