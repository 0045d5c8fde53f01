"""Read-side helpers the pages, the panels and the API share."""

from __future__ import annotations

from django.utils import timezone

from ltc.activity.services import transitions_of

from . import rules
from .models import Complaint

PANEL_ROWS = 20


def panel(user, **subject) -> dict:
    """The complaints on one record (``customer=``, ``contract=`` or ``order=``) as ``user``
    sees them: the latest ``PANEL_ROWS`` and whether they may open one there. One query."""
    rows = list(
        Complaint.objects.visible_to(user)
        .filter(**subject)
        .select_related("owner")
        .order_by("-opened_at", "-id")[: PANEL_ROWS + 1]
    )
    now = timezone.now()
    for row in rows:
        row.late = row.breached(now)
    ((kind, record),) = subject.items()
    return {
        "complaints": rows[:PANEL_ROWS],
        "more": len(rows) > PANEL_ROWS,
        "may_open": rules.may_open(user),
        "kind": kind,
        "record": record,
    }


def timeline(complaint: Complaint) -> list:
    """Its transitions (with the confirmations' and reassignments' comments), oldest first."""
    return list(transitions_of(complaint).order_by("at", "id"))
