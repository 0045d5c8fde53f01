"""Visit cadence: how recently each customer was visited."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count,
)

from ..scope import Scope
from ._base import _now
from .leakage import _user_names


# Visit cadence ------------------------------------------------------------------------------------
def visit_cadence(scope: Scope, *, now: datetime | None = None) -> dict:
    """The open deals of the scope past their stage's visit cadence now (the rule of
    ``OpportunityQuerySet.past_cadence``), per AR, the most first."""
    late = scope.opportunities().past_cadence(_now(now))
    rows = list(
        late.order_by()
        .values("owner_id")
        .annotate(count=Count("id"))
        .order_by("-count", "owner_id")
    )
    names = _user_names({row["owner_id"] for row in rows})
    return {
        "count": sum(row["count"] for row in rows),
        "owners": [
            {
                "owner_id": row["owner_id"],
                "owner": names.get(row["owner_id"], ""),
                "count": row["count"],
            }
            for row in rows
        ],
    }
