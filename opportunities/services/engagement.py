"""Working the deal: its decision chain, competitors, visits and the cadence sweep that notices a
deal left without one."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import ActivityKind
from ltc.activity.services import notify_many, record_activity
from ltc.core.errors import InvalidInput
from ltc.customers.models import Contact
from ltc.org.models import User
from ltc.org.scoping import managers_of

from ..models import (
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityState,
    Stage,
)
from ..querysets import past_cadence_q
from .rules import _locked, opportunity_actions

VISIT_KINDS = {"visit", "meeting"}


# Decision chain, competitors, visits -----------------------------------------------------------
@transaction.atomic
def add_decision_maker(
    *, opportunity: Opportunity, user, contact: Contact, role: str, attitude: str, note: str = ""
) -> DecisionChainMember:
    opportunity_actions(user, opportunity)["add_decision_maker"].require()
    if contact.customer_id != opportunity.customer_id:
        raise InvalidInput(_("The contact must belong to the opportunity's customer."), "contact")
    member, created = DecisionChainMember.objects.update_or_create(
        opportunity=opportunity,
        contact=contact,
        defaults={"role": role, "attitude": attitude, "note": note or ""},
    )
    return member


@transaction.atomic
def add_competitor(
    *, opportunity: Opportunity, user, name: str, strengths: str = "", weaknesses: str = ""
) -> Competitor:
    opportunity_actions(user, opportunity)["add_competitor"].require()
    if not (name or "").strip():
        raise InvalidInput(_("Name the competitor."), "name")
    competitor, _created = Competitor.objects.update_or_create(
        opportunity=opportunity,
        name=name.strip(),
        defaults={"strengths": strengths or "", "weaknesses": weaknesses or ""},
    )
    return competitor


@transaction.atomic
def log_activity(
    *, opportunity: Opportunity, user, kind: str, note: str, now: datetime | None = None
):
    """A call, e-mail, visit or meeting; visits and meetings reset the cadence clock."""
    now = now or timezone.now()
    if kind not in ActivityKind.values:
        raise InvalidInput(_("Choose call, visit, e-mail or meeting."), "kind")
    if not (note or "").strip():
        raise InvalidInput(_("Write what was said or agreed."), "note")
    opportunity = _locked(opportunity.pk)
    opportunity_actions(user, opportunity)["log_activity"].require()
    activity = record_activity(obj=opportunity, kind=kind, note=note, actor=user, occurred_at=now)
    if kind in VISIT_KINDS:
        Opportunity.objects.filter(pk=opportunity.pk).update(
            last_visit_at=now, cadence_warned_at=None
        )
    return activity


def complete_planned_activity(*, obj: Opportunity, user, kind: str, note: str, now: datetime):
    """A planned activity done on a deal is logged like any other: a visit or meeting restarts
    its cadence clock."""
    return log_activity(opportunity=obj, user=user, kind=kind, note=note, now=now)


# The cadence sweep -----------------------------------------------------------------------------
def notify_missed_cadence(*, now: datetime | None = None) -> int:
    """Tell the AR and their manager about every open opportunity whose account was not visited
    within its stage's cadence (``past_cadence_q``, the rule the pages show). Set-based per stage
    (stages are few), once per lateness: a visit or a stage change clears the mark, so the next
    lateness (or the new stage's) reminds again. The lateness itself is never stored."""
    now = now or timezone.now()
    total = 0
    for stage in Stage.objects.all():
        with transaction.atomic():
            late = (
                Opportunity.objects.select_for_update(skip_locked=True)
                .filter(state=OpportunityState.OPEN, stage=stage, cadence_warned_at__isnull=True)
                .filter(past_cadence_q(stage.cadence_days, now))
            )
            rows = list(late.values_list("id", "owner_id", "name", "last_visit_at", "created_at"))
            if not rows:
                continue
            Opportunity.objects.filter(
                pk__in=[r[0] for r in rows], cadence_warned_at__isnull=True
            ).update(cadence_warned_at=now)
            managers = managers_of(r[1] for r in rows)
            owners = dict(
                User.objects.filter(pk__in={r[1] for r in rows}).values_list("id", "username")
            )
            notices = []
            for pk, owner_id, name, last_visit, created in rows:
                since = last_visit or created
                params = {
                    "name": name,
                    "days": (now - since).days,
                    "stage": stage.name,
                    "cadence": stage.cadence_days,
                    "owner": owners.get(owner_id, ""),
                }
                url = f"/opportunities/{pk}/"
                notices.append((owner_id, "opportunity_cadence", params, url))
                notices.extend(
                    (m, "opportunity_cadence_team", params, url) for m in managers.get(owner_id, [])
                )
            notify_many(notices)
            total += len(rows)
    return total
