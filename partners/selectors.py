"""The conflict check of a registration, and what the portal and the queue show."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher

from django.utils.translation import gettext as _

from ltc.core.normalize import company_key

from .models import HOLDING_STATES, DealRegistration

SIMILAR_RATIO = 0.6
SAME_CHARACTERS = 0.85  # the same words in another order


def project_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").lower()
    return re.sub(r"[\W_]+", "", text)


def similar_projects(a: str, b: str) -> bool:
    """The same project written differently: one name contains the other, or they share most of
    their characters (either way round; 智能工厂MES一期 ≈ MES 一期 智能工厂)."""
    a, b = project_key(a), project_key(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    if SequenceMatcher(None, a, b).ratio() >= SIMILAR_RATIO:
        return True
    shared = sum((Counter(a) & Counter(b)).values())
    return 2 * shared / (len(a) + len(b)) >= SAME_CHARACTERS


def conflicts_for(
    *, customer_name: str, project_name: str, exclude: int | None = None
) -> list[dict]:
    """Every record that already holds this customer's project: our own open deals (of a
    customer of the same normalised name) and other registrations still open or protected. Each
    named ``{"kind", "id", "label"}``. Two queries, whatever the number of records."""
    from opportunities.models import Opportunity

    key = company_key(customer_name)
    if not key:
        return []
    found: list[dict] = []
    registrations = (
        DealRegistration.objects.filter(customer_key=key, state__in=HOLDING_STATES)
        .exclude(pk=exclude)
        .select_related("partner")
        .order_by("created_at", "id")
    )
    held_deals = set()
    for other in registrations:
        if similar_projects(project_name, other.project_name):
            held_deals.add(other.opportunity_id)
            found.append(
                {
                    "kind": "registration",
                    "id": other.pk,
                    "label": _("Registration by %(partner)s: “%(project)s” (%(state)s)")
                    % {
                        "partner": other.partner.name,
                        "project": other.project_name,
                        "state": other.get_state_display(),
                    },
                }
            )
    deals = Opportunity.objects.filter(
        customer__name_key=key, customer__merged_into__isnull=True, state="open"
    ).order_by("created_at", "id")
    for deal in deals.only("pk", "name"):
        if deal.pk not in held_deals and similar_projects(project_name, deal.name):
            found.append(
                {
                    "kind": "opportunity",
                    "id": deal.pk,
                    "label": _("Open opportunity “%(name)s”") % {"name": deal.name},
                }
            )
    return found


def conflicts_of(registration: DealRegistration) -> list[dict]:
    return conflicts_for(
        customer_name=registration.customer_name,
        project_name=registration.project_name,
        exclude=registration.pk,
    )
