"""The stage gate: what is missing to move on, advancing, and the stage's tasks."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition
from ltc.core.errors import InvalidInput, Missing, TransitionRefused

from .. import requirements
from ..models import (
    Opportunity,
    OpportunityTask,
    Stage,
    StageRequirement,
    TaskRole,
)
from .rules import _locked, _require, _require_open, manages_deal, opportunity_actions, role_user_id
from .stages import _enter_stage, target_stage, track_missing


def gate(
    opportunity: Opportunity, to_stage: str | None = None, facts=None, process=None
) -> tuple[Stage, list[requirements.Item], list[Missing]]:
    """The move's target, its checklist, and every unmet item (track and requirements).
    ``facts`` and ``process`` (``requirements.ProcessRows``) let a page showing several moves
    read them once."""
    stages = process.stages if process else None
    target = target_stage(opportunity, to_stage, stages)
    items = requirements.checklist(opportunity, target, facts, process)
    missing = track_missing(opportunity, target, stages) + [
        Missing(i.code, i.label) for i in items if not i.met
    ]
    return target, items, missing


@transaction.atomic
def advance(
    *, opportunity: Opportunity, user, to_stage: str | None = None, now: datetime | None = None
) -> Opportunity:
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    opportunity_actions(user, opportunity)["advance"].require()
    target, items, missing = gate(opportunity, to_stage)
    if missing:
        raise TransitionRefused(
            _("The opportunity cannot move to “%(stage)s” yet.") % {"stage": target.name}, missing
        )
    _enter_stage(
        opportunity,
        target,
        by=user,
        now=now,
        evidence=requirements.evidence(items),
        transition="advance",
    )
    return opportunity


@transaction.atomic
def complete_task(
    *, opportunity: Opportunity, code: str, user, note: str = "", now: datetime | None = None
) -> OpportunityTask:
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    _require_open(opportunity)
    req = StageRequirement.objects.filter(
        stage__process_id=opportunity.process_id, kind="task", code=code
    ).first()
    if req is None:
        raise InvalidInput(
            _("No task “%(code)s” in this opportunity's process.") % {"code": code}, "code"
        )
    role = req.role or TaskRole.AR
    task, _created = OpportunityTask.objects.get_or_create(
        opportunity=opportunity,
        code=code,
        defaults={
            "label": req.label_en or req.label,
            "label_zh": req.label_zh,
            "role": role,
            "assignee_id": role_user_id(opportunity, role),
        },
    )
    _require(
        user.pk == role_user_id(opportunity, role) or manages_deal(user, opportunity),
        _("This task belongs to the %(role)s of the deal.") % {"role": task.get_role_display()},
    )
    if task.done_at:
        raise TransitionRefused(
            _("The task is already done."), [Missing("done", _("Task not yet done"))]
        )
    task.done_at = now
    task.done_by = user
    task.note = note or ""
    task.save()
    log_transition(
        obj=opportunity, transition="task", source="", target=code, actor=user, at=now, comment=note
    )
    return task
