"""The pool's limits on claiming a lead: the one rule the claim service enforces and the pool
page shows beside each "Claim" button (disabled, with every reason) before anyone clicks.

``claim_limits`` asks about one lead (the service, in its transaction); ``claim_blockers``
asks about a page of leads with the same rule in three queries, whatever the page's size."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import TransitionLog
from ltc.core.errors import Missing

from .models import Lead, LeadRecovery, LeadState


def _local_text(dt: datetime | None) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i") if dt else ""


def _counts(user, now: datetime) -> tuple[int, int]:
    """How many leads ``user`` holds, and how many they claimed today."""
    held = Lead.objects.filter(
        owner=user, state__in=[LeadState.ASSIGNED, LeadState.VALIDATED]
    ).count()
    day_start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    claimed_today = TransitionLog.objects.filter(
        actor=user, transition="claim", at__gte=day_start, content_type__model="lead"
    ).count()
    return held, claimed_today


def _taken_back(user, leads, now: datetime) -> dict[int, datetime]:
    """lead id → when it was last taken back from ``user`` within its pool's cooling-off."""
    longest = max((lead.pool.reclaim_cooldown_days for lead in leads), default=0)
    if not longest:
        return {}
    last: dict[int, datetime] = {}
    rows = LeadRecovery.objects.filter(
        lead__in=[lead.pk for lead in leads],
        former_owner=user,
        at__gte=now - timedelta(days=longest),
    ).values_list("lead_id", "at")
    for lead_id, at in rows:
        if lead_id not in last or at > last[lead_id]:
            last[lead_id] = at
    return last


def _limits(lead: Lead, held: int, claimed_today: int, last: datetime | None, now) -> list:
    pool = lead.pool
    missing: list[Missing] = []
    if held >= pool.max_held:
        missing.append(
            Missing(
                "max_held",
                _("You hold %(held)s leads; the limit is %(limit)s.")
                % {"held": held, "limit": pool.max_held},
            )
        )
    if claimed_today >= pool.max_daily_claims:
        missing.append(
            Missing(
                "max_daily_claims",
                _("You claimed %(count)s leads today; the limit is %(limit)s a day.")
                % {"count": claimed_today, "limit": pool.max_daily_claims},
            )
        )
    cooldown = pool.reclaim_cooldown_days
    if cooldown and last and last >= now - timedelta(days=cooldown):
        missing.append(
            Missing(
                "reclaim_cooldown",
                _("This lead was taken back from you; you may claim it again after %(when)s.")
                % {"when": _local_text(last + timedelta(days=cooldown))},
            )
        )
    return missing


def claim_limits(*, lead: Lead, user, now: datetime) -> list[Missing]:
    """The pool's limits on this user claiming this lead, every one that is exceeded."""
    held, claimed_today = _counts(user, now)
    last = _taken_back(user, [lead], now).get(lead.pk)
    return _limits(lead, held, claimed_today, last, now)


def claim_blockers(user, leads, now: datetime) -> dict[int, list[Missing]]:
    """lead id → the exceeded limits, for the leads of a page (their ``pool`` selected)."""
    leads = list(leads)
    if not leads:
        return {}
    held, claimed_today = _counts(user, now)
    taken_back = _taken_back(user, leads, now)
    return {
        lead.pk: _limits(lead, held, claimed_today, taken_back.get(lead.pk), now) for lead in leads
    }
