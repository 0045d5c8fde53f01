"""Hand-built records for the figure tests: deals with an exact stage history, leads with exact
recoveries, so every expected number can be worked out on paper."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from leads.models import Lead, LeadRecovery
from opportunities.models import Opportunity, Process, Review, Stage, StageHistory

from ..factories import CustomerFactory, LeadFactory, PoolFactory


def at(day: date | str, hour: int = 10) -> datetime:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def stage(code: str, partner: bool = False) -> Stage:
    process = Process.objects.get(for_partner_deals=partner, is_default=not partner)
    return Stage.objects.get(process=process, code=code)


def deal(
    owner,
    *,
    amount="100000",
    history=(),
    state="open",
    grade="B",
    probability=None,
    expected="2026-06-30",
    closed="",
    lead=None,
    team="owner",
    currency="CNY",
    loss_reason="",
    loss_competitor="",
    solution_owner=None,
) -> Opportunity:
    """A deal whose stage history is ``history``: ``[(stage code, entered day, left day or "")]``;
    its current stage is the last one. ``closed`` is the day it was won, lost or abandoned."""
    history = list(history) or [("verify", "2026-01-05", "")]
    current = stage(history[-1][0])
    opp = Opportunity(
        name=f"Deal {Opportunity.objects.count() + 1}",
        customer=CustomerFactory(owner=owner),
        amount=Decimal(amount),
        currency=currency,
        expected_close_date=date.fromisoformat(expected),
        grade=grade,
        process=current.process,
        stage=current,
        probability=current.probability if probability is None else probability,
        owner=owner,
        solution_owner=solution_owner,
        team=owner.team if team == "owner" else team,
        lead=lead,
        stage_entered_at=at(history[-1][1]),
        closed_at=at(closed) if closed else None,
        loss_reason=loss_reason,
        loss_competitor=loss_competitor,
        loss_lessons="lessons" if loss_reason else "",
    )
    opp.__dict__["state"] = state
    opp.save()
    StageHistory.objects.bulk_create(
        StageHistory(
            opportunity=opp,
            stage=stage(code),
            entered_at=at(entered),
            exited_at=at(exited) if exited else None,
        )
        for code, entered, exited in history
    )
    return opp


def review(opp: Opportunity, *, kind="project_approval", requested="2026-02-01", hours=24):
    requested_at = at(requested)
    item = Review(
        opportunity=opp,
        kind=kind,
        requested_by=opp.owner,
        requested_at=requested_at,
        decided_by=opp.owner,
        decided_at=requested_at + timedelta(hours=hours),
        duration_seconds=hours * 3600,
    )
    item.__dict__["state"] = "approved"
    item.save()
    return item


_pool = None


def lead(
    *,
    created="2026-03-01",
    owner=None,
    state=None,
    pool=None,
    follow_ups=0,
    recovered=(),
    released=(),
    due=None,
    reason="",
    source="website",
) -> Lead:
    """A lead created on ``created``; ``recovered`` / ``released``: ``[(former owner, day)]``,
    each a recovery event (the recovery task's also count in ``recovery_count``)."""
    state = state or ("assigned" if owner else "new")
    item = LeadFactory(
        owner=owner,
        state=state,
        pool=pool or PoolFactory(),
        follow_up_count=follow_ups,
        recovery_count=len(recovered),
        assigned_at=at(created) if owner else None,
        follow_up_due_at=at(due) if due else (at(created) + timedelta(days=2) if owner else None),
        disqualify_reason=reason,
        source=source,
    )
    Lead.objects.filter(pk=item.pk).update(created_at=at(created))
    events = [(who, day, LeadRecovery.Kind.RECOVERED) for who, day in recovered] + [
        (who, day, LeadRecovery.Kind.RELEASED) for who, day in released
    ]
    LeadRecovery.objects.bulk_create(
        LeadRecovery(lead=item, former_owner=who, kind=kind, reason="test", at=at(day))
        for who, day, kind in events
    )
    item.refresh_from_db()
    return item
