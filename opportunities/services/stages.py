"""Processes and their stages: which process a grade follows, the next stage, what a track still
misses, entering a stage (with its tasks)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify_many
from ltc.core.errors import InvalidInput, Missing

from .. import tracks
from ..models import (
    Grade,
    Opportunity,
    OpportunityTask,
    Process,
    Stage,
    StageHistory,
    StageRequirement,
    TaskRole,
)
from .rules import role_user_id

# Grading and processes ------------------------------------------------------------------------
grade_for = tracks.grade_for


def process_for(grade: str) -> Process:
    qs = Process.objects.filter(for_partner_deals=(grade == Grade.E))
    process = qs.filter(is_default=True).first() or qs.order_by("id").first()
    if process is None:
        raise InvalidInput(
            _("No sales process is configured for this grade; an administrator must create one."),
            "grade",
        )
    return process


def first_stage(process: Process) -> Stage:
    stage = process.stages.order_by("order").first()
    if stage is None:
        raise InvalidInput(_("The sales process has no stages."), "stage")
    return stage


def _open_tasks(opportunity: Opportunity) -> None:
    """Create the task rows of the gate ahead (next stage; for a fast-track deal in its first
    stage, the signing stage too) and tell each assignee."""
    stages = list(
        Stage.objects.filter(
            process=opportunity.process, order__gt=opportunity.stage.order
        ).order_by("order")
    )
    targets = stages[:1]
    if (
        opportunity.is_fast_track
        and stages
        and opportunity.stage.order == first_stage(opportunity.process).order
    ):
        targets += [s for s in stages if s.is_signing and s not in targets]
    reqs = StageRequirement.objects.filter(stage__in=targets, kind="task")
    existing = set(opportunity.tasks.values_list("code", flat=True))
    rows = []
    for req in reqs:
        if req.code in existing:
            continue
        existing.add(req.code)
        rows.append(
            OpportunityTask(
                opportunity=opportunity,
                code=req.code,
                label=req.label_en or req.label,
                label_zh=req.label_zh,
                role=req.role or TaskRole.AR,
                assignee_id=role_user_id(opportunity, req.role or TaskRole.AR),
            )
        )
    OpportunityTask.objects.bulk_create(rows)
    notify_many(
        (
            row.assignee_id,
            "task_assigned",
            {"name": opportunity.name, "task": row.display_label},
            f"/opportunities/{opportunity.pk}/",
        )
        for row in rows
        if row.assignee_id
    )


# The gate ------------------------------------------------------------------------------------
def next_stage(opportunity: Opportunity, stages: list[Stage] | None = None) -> Stage | None:
    """``stages``: the process's stages in order, when the caller has read them already."""
    if stages is not None:
        return next((s for s in stages if s.order > opportunity.stage.order), None)
    return (
        Stage.objects.filter(process_id=opportunity.process_id, order__gt=opportunity.stage.order)
        .order_by("order")
        .first()
    )


def target_stage(
    opportunity: Opportunity, to_stage: str | None, stages: list[Stage] | None = None
) -> Stage:
    if not to_stage:
        target = next_stage(opportunity, stages)
        if target is None:
            raise InvalidInput(
                _("The opportunity is in its last stage; it closes by winning or losing."),
                "to_stage",
            )
        return target
    if stages is not None:
        target = next((s for s in stages if s.code == to_stage), None)
    else:
        target = Stage.objects.filter(process_id=opportunity.process_id, code=to_stage).first()
    if target is None:
        raise InvalidInput(
            _("No stage “%(code)s” in this opportunity's process.") % {"code": to_stage}, "to_stage"
        )
    if target.order <= opportunity.stage.order:
        raise InvalidInput(_("Opportunities move forward only."), "to_stage")
    return target


def track_missing(
    opportunity: Opportunity, target: Stage, stages: list[Stage] | None = None
) -> list[Missing]:
    """A jump over stages is the fast track's privilege: C/D, from the first stage, to signing."""
    if target.order == opportunity.stage.order + 1:
        return []
    first = stages[0] if stages else first_stage(opportunity.process)
    if opportunity.is_fast_track and target.is_signing and opportunity.stage.order == first.order:
        return []
    following = next_stage(opportunity, stages)
    if target == following:  # next after a gap in the orders (stages are data)
        return []
    if not opportunity.is_fast_track:
        return [
            Missing(
                "track",
                _(
                    "Grade %(grade)s deals pass every stage's gate, one after the other: stage "
                    "%(order)s %(stage)s comes first."
                )
                % {"grade": opportunity.grade, "order": following.order, "stage": following.name},
            )
        ]
    return [
        Missing(
            "track",
            _(
                "The fast track jumps only once, from the first stage to the signing stage; from "
                "here the deal goes on to stage %(order)s %(stage)s."
            )
            % {"order": following.order, "stage": following.name},
        )
    ]


def _enter_stage(
    opportunity: Opportunity,
    target: Stage,
    *,
    by,
    now: datetime,
    evidence: list[dict],
    transition: str,
    comment: str = "",
) -> None:
    """Leave the current stage for ``target``: the stay closed, the new one opened with its
    evidence, the stage's probability, the cadence clock restarted, the move logged and the
    tasks of the gate ahead opened."""
    source = opportunity.stage
    StageHistory.objects.filter(opportunity=opportunity, exited_at__isnull=True).update(
        exited_at=now
    )
    StageHistory.objects.create(
        opportunity=opportunity, stage=target, entered_at=now, entered_by=by, evidence=evidence
    )
    opportunity.stage = target
    opportunity.probability = target.probability
    opportunity.stage_entered_at = now
    opportunity.cadence_warned_at = None
    opportunity.save()
    log_transition(
        obj=opportunity,
        transition=transition,
        source=source.code,
        target=target.code,
        actor=by,
        at=now,
        comment=comment,
    )
    _open_tasks(opportunity)
