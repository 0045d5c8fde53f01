"""Demo sales targets: team 1 and two of its reps, from three months ago to three months ahead,
so the forecast chart shows a gap with its causes. Created once (a second run adds nothing)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from dashboards.models import SalesTarget
from dashboards.periods import month_start, next_month
from ltc.org.models import Team, User

from . import data

TEAM_MONTHLY = Decimal("1500000")
REP_MONTHLY = {"rep1": Decimal("800000"), "rep2": Decimal("600000"), "rep3": Decimal("500000")}


def _months(today: date) -> list[date]:
    """Seven months: three before this one, this one, three after."""
    first = month_start(today)
    for _ in range(3):
        first = month_start(first - timedelta(days=1))
    months = []
    for _ in range(7):
        months.append(first)
        first = next_month(first)
    return months


def seed_targets(users: dict[str, User], result) -> None:
    if SalesTarget.objects.exists():
        return
    team = Team.objects.get(name=data.TEAM_1)
    manager = users["manager"]
    rows = []
    for month in _months(timezone.localdate()):
        rows.append(SalesTarget(team=team, month=month, amount=TEAM_MONTHLY, entered_by=manager))
        for username, amount in REP_MONTHLY.items():
            rows.append(
                SalesTarget(owner=users[username], month=month, amount=amount, entered_by=manager)
            )
    SalesTarget.objects.bulk_create(rows)
    result.add("sales targets", len(rows))
