"""What the dashboard pages add around the figures: the KPI tiles, the charts of the leads-only
(marketing) dashboard, and filters that stay from one visit to the next."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import kpis
from .params import FigureRequest

STICKY = "dashboard_filters:"


def _records(filters: dict, **params) -> str:
    return reverse("dashboards:records") + "?" + urlencode({**filters, **params})


def kpi_tiles(figure: FigureRequest, results: dict, filters: dict) -> dict:
    """``kpis.tiles`` with the link to each value's records and its section."""
    found = kpis.tiles(figure, results)
    for tile in found["tiles"]:
        tile["link"] = _records(filters, **tile["drill"])
    return found


def lead_charts(name: str, result: dict, filters: dict) -> list[dict] | None:
    """The charts of a leads-only dashboard's section; None: the section's usual charts."""
    if name == "funnel":
        leads = result["leads"]
        steps = [
            ("created", _("Leads created"), leads["leads"]),
            ("converted", _("Became opportunities"), leads["opportunities"]),
            ("won", _("Won"), leads["won"]),
        ]
        return [
            {
                "id": "chart-lead-funnel",
                "title": _("Leads → opportunities → won"),
                "categories": [label for _key, label, _count in steps],
                "series": [{"name": _("Leads"), "data": [count for *_rest, count in steps]}],
                "links": [_records(filters, figure="leads", key=key) for key, *_rest in steps],
            }
        ]
    if name == "campaigns":
        return campaign_charts(result, filters)
    return None


def campaign_charts(result: dict, filters: dict) -> list[dict]:
    rows = result["rows"][:15]
    return [
        {
            "id": "chart-campaigns",
            "title": _("Leads and conversions per campaign and source"),
            "categories": [f"{r['name']} · {r['source_label']}" for r in rows],
            "series": [
                {"name": _("Leads"), "data": [r["leads"] for r in rows]},
                {"name": _("Became opportunities"), "data": [r["converted"] for r in rows]},
            ],
            "links": [_records(filters, figure="campaign", key=r["key"]) for r in rows],
        }
    ]


def sticky_filters(request, keys) -> object | None:
    """The period and scope filters stay: a dashboard opened without any comes back with the
    ones last chosen on it (a redirect, so the address says what is shown); ``?reset`` forgets
    them. Kept in the session, per page."""
    slot = STICKY + request.path
    given = {key: request.GET[key] for key in keys if request.GET.get(key)}
    if "reset" in request.GET:
        request.session.pop(slot, None)
        return None
    if given:
        if request.session.get(slot) != given:
            request.session[slot] = given
        return None
    kept = request.session.get(slot)
    if kept and not request.GET:
        return redirect(f"{request.path}?{urlencode(kept)}")
    return None
