"""The deal page's lazy panels: what other apps show of the deal (tenders, quotes and contract,
planned activities and files), its timeline and its histories. The page holds a placeholder per
panel that htmx swaps for the panel as soon as the page loads (``hx-trigger="load"``), so the
page itself stays at a fixed number of queries and each panel runs its own few (pinned in
tests/ui/test_opportunity_pages.py).

A panel is asked for on the page's own address, ``?panel=<name>`` with the ``HX-Request``
header: the forms inside a panel that send the user back to ``request.get_full_path`` (the files
panel) thus land on the deal page. Without the header the whole page answers."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from ltc.activity.services import activities_of, transitions_of
from ltc.audit.history import page_of as field_history

TIMELINE_ROWS = 100  # of each kind: activities and stage moves


def _commercials(opportunity) -> dict:
    return {}  # the tenders and contracts template tags read their own rows


def _timeline(opportunity) -> dict:
    rows = sorted(
        [("activity", a.occurred_at, a) for a in activities_of(opportunity)[:TIMELINE_ROWS]]
        + [("transition", t.at, t) for t in transitions_of(opportunity)[:TIMELINE_ROWS]],
        key=lambda item: item[1],
        reverse=True,
    )
    return {"timeline": rows}


def _history(opportunity) -> dict:
    now = timezone.now()
    history = list(
        opportunity.stage_history.select_related("stage", "entered_by").order_by("entered_at", "id")
    )
    for row in history:
        row.duration = (row.exited_at or now) - row.entered_at
    return {
        "history": history,
        "grade_changes": list(opportunity.grade_changes.select_related("by").order_by("at", "id")),
        **field_history(opportunity),  # amount, close date, owners, grade, stage: who, when
    }


def _plans(opportunity) -> dict:
    return {}  # the planned activities and files template tags read their own rows


PANELS = {
    "commercials": _commercials,
    "timeline": _timeline,
    "history": _history,
    "plans": _plans,
}


def wanted_panel(request) -> str | None:
    """The panel an htmx request asks for, or None for the whole page."""
    name = request.GET.get("panel", "")
    return name if request.htmx and name in PANELS else None


def render_panel(request, opportunity, name: str):
    context = {"opportunity": opportunity, **PANELS[name](opportunity)}
    response = render(request, f"opportunities/_panel_{name}.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
