"""Campaign results: what each campaign and lead source brought in the period.

Over the leads created in the period (the scope's leads, as the leakage figures count them), per
campaign and source (leads without a campaign: per source): ``leads``; ``converted``, those that
became an opportunity, and ``conversion`` = converted / leads; ``pipeline``, the amount of their
opportunities still open; ``won``, the amount of those won; the campaign's ``budget``. Amounts in
one currency (a deal or budget in another adds nothing, as in every figure). One grouped query,
the largest ``TOP_ROWS`` groups by leads. The amounts are the leads' own deals: marketing sees
what its leads became without opening deals it may not see; the drill-downs list the leads.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from leads.models import Source
from ltc.core.numbers import whole_number

from . import figures
from .figures import _money, _sum, default_currency, rate
from .periods import Period
from .scope import Scope

TOP_ROWS = 100
NO_CAMPAIGN = "0"


def campaign_key(campaign_id, source: str) -> str:
    """A group's drill-down key: ``<campaign id or 0>.<source>``."""
    return f"{campaign_id or NO_CAMPAIGN}.{source}"


def campaign_leads(scope: Scope, period: Period, key: str) -> QuerySet | None:
    """The leads of one group (``campaign_key``), None for a malformed key (a source as stored:
    old imports may hold codes outside today's list)."""
    campaign, _dot, source = key.partition(".")
    if whole_number(campaign) is None or not 0 < len(source) <= 20:
        return None
    leads = figures.leads_created(scope, period).filter(source=source)
    if campaign == NO_CAMPAIGN:
        return leads.filter(campaign__isnull=True)
    return leads.filter(campaign_id=int(campaign))


def campaign_results(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    currency = currency or default_currency()
    deal = "opportunity__"
    rows = (
        figures.leads_created(scope, period)
        .order_by()
        .values("campaign_id", "campaign__name", "campaign__budget", "campaign__currency", "source")
        .annotate(
            leads=Count("id"),
            converted=Count("id", filter=Q(opportunity__isnull=False)),
            pipeline=_sum(f"{deal}amount", currency, deal, extra=Q(opportunity__state="open")),
            won=_sum(f"{deal}amount", currency, deal, extra=Q(opportunity__state="won")),
        )
        .order_by("-leads", "campaign__name", "source")[:TOP_ROWS]
    )
    sources = dict(Source.choices)
    results = []
    for row in rows:
        budget = row["campaign__budget"]
        results.append(
            {
                "key": campaign_key(row["campaign_id"], row["source"]),
                "campaign": row["campaign_id"],
                "name": row["campaign__name"] or str(_("No campaign")),
                "source": row["source"],
                "source_label": str(sources.get(row["source"], row["source"])),
                "leads": row["leads"],
                "converted": row["converted"],
                "conversion": rate(row["converted"], row["leads"]),
                "pipeline": _money(row["pipeline"]),
                "won": _money(row["won"]),
                "budget": None
                if budget is None or row["campaign__currency"] != currency
                else _money(budget),
            }
        )
    return {"currency": currency, "rows": results}
