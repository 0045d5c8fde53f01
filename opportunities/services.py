"""Every operation that changes an opportunity. One transaction each; errors name what is missing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadState
from leads.services import works_on as works_on_lead
from ltc.activity.models import ActivityKind
from ltc.activity.services import log_transition, notify, notify_many, record_activity
from ltc.core.dates import LONG_AHEAD_DAYS, check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.core.money import format_money
from ltc.core.normalize import company_key
from ltc.customers.models import Contact, Customer
from ltc.integrations.events import emit
from ltc.org.models import Role, User
from ltc.org.scoping import managed_team_ids, managers_of, manages

from . import requirements, tracks
from .models import (
    GRADE_RANK,
    Competitor,
    DecisionChainMember,
    Grade,
    GradeChange,
    LossReason,
    Opportunity,
    OpportunityState,
    OpportunityTask,
    Process,
    Review,
    ReviewKind,
    ReviewState,
    Stage,
    StageHistory,
    StageRequirement,
    TaskRole,
)
from .querysets import past_cadence_q
from .signals import review_decided

EDITABLE_FIELDS = (
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "solution_owner",
    "fulfillment_owner",
    "needs",
    "value_proposition",
    "bid_date",
    "partner",
)
VISIT_KINDS = {"visit", "meeting"}


# Who may do what ----------------------------------------------------------------------------
def _is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def manages_deal(user, opportunity: Opportunity) -> bool:
    return (
        _is_admin(user)
        or manages(user, opportunity.owner)
        or (opportunity.team_id is not None and opportunity.team_id in managed_team_ids(user))
    )


def in_triangle(user, opportunity: Opportunity) -> bool:
    return user.pk in {
        opportunity.owner_id,
        opportunity.solution_owner_id,
        opportunity.fulfillment_owner_id,
    }


def works_on(user, opportunity: Opportunity) -> bool:
    """The iron triangle and the managers above the deal work on it."""
    return in_triangle(user, opportunity) or manages_deal(user, opportunity)


def may_steer(user, opportunity: Opportunity) -> bool:
    """Advancing, losing and editing the deal: its AR or a manager above it."""
    return opportunity.owner_id == user.pk or manages_deal(user, opportunity)


def decision_refused(user, review: Review) -> str | None:
    """Why ``user`` may not decide ``review`` (approve or reject it), or None when they may: the
    one rule, asked by the service, the review and contract pages, and the inboxes (through its
    queryset form, ``Review.objects.to_decide_by``). A manager above the deal decides, never its
    owner; an escalated review, once approved a first time, waits for an approver above that
    first approver (an administrator, or a manager of their team): the first approver does not
    decide it again."""
    opportunity = review.opportunity
    if not manages_deal(user, opportunity) or user.pk == opportunity.owner_id:
        return _("A manager above the deal decides its reviews.")
    first_id = review.first_approved_by_id
    if review.needs_second_approval and first_id is not None:
        if user.pk == first_id:
            return _("You gave the first approval; a second approver above you decides now.")
        if not (_is_admin(user) or manages(user, review.first_approved_by)):
            return _("An escalated review needs a second approver above the first one.")
    return None


def may_decide(user, review: Review) -> bool:
    """The review waits for a decision and ``user`` may give it."""
    return review.state == ReviewState.PENDING and decision_refused(user, review) is None


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


def _require_open(opportunity: Opportunity) -> None:
    if not opportunity.is_open:
        raise TransitionRefused(
            _("The opportunity is closed."),
            [
                Missing(
                    "state",
                    _("The opportunity must be open (it is “%(state)s”).")
                    % {"state": opportunity.get_state_display()},
                )
            ],
        )


def _locked(pk: int) -> Opportunity:
    # Lock the bare row first, then read it with its relations. One locking SELECT with the joins
    # would, on PostgreSQL, recheck the join against the old stage row after waiting for a
    # concurrent advance that changed stage_id, and find no row at all (DoesNotExist, a 500).
    Opportunity.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()
    return Opportunity.objects.select_related("stage", "process", "owner", "customer").get(pk=pk)


def role_user_id(opportunity: Opportunity, role: str) -> int | None:
    return {
        TaskRole.AR: opportunity.owner_id,
        TaskRole.SR: opportunity.solution_owner_id,
        TaskRole.FR: opportunity.fulfillment_owner_id,
    }.get(role)


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


# Creating -----------------------------------------------------------------------------------
def _check_triangle_member(user: User | None, role: str, field: str) -> None:
    if user is None:
        return
    expected = {
        "solution_owner": {Role.SOLUTION, Role.MANAGER},
        "fulfillment_owner": {Role.DELIVERY, Role.MANAGER},
    }[field]
    if not user.is_active or user.role not in expected:
        raise InvalidInput(
            _("Choose an active user with the %(role)s role.") % {"role": role}, field
        )


@transaction.atomic
def create_opportunity(
    *,
    by,
    customer: Customer,
    name: str,
    amount: Decimal,
    expected_close_date,
    currency: str = "CNY",
    owner: User | None = None,
    partner: str = "",
    solution_owner: User | None = None,
    fulfillment_owner: User | None = None,
    needs: str = "",
    lead: Lead | None = None,
    now: datetime | None = None,
) -> Opportunity:
    now = now or timezone.now()
    owner = owner or by
    if not (_is_admin(by) or by.role in {Role.REP, Role.MANAGER}):
        raise NotAllowed(_("Only sales reps and managers open opportunities."))
    if owner.role not in {Role.REP, Role.MANAGER} or not owner.is_active:
        raise InvalidInput(
            _("The AR of an opportunity is an active sales rep or manager."), "owner"
        )
    if owner.pk != by.pk and not (_is_admin(by) or manages(by, owner)):
        raise InvalidInput(_("You may only open opportunities for yourself or your team."), "owner")
    if amount is None or amount <= 0:
        raise InvalidInput(_("The amount must be positive."), "amount")
    check_business_date(
        expected_close_date, field="expected_close_date", ahead_days=LONG_AHEAD_DAYS
    )
    _check_triangle_member(solution_owner, "SR", "solution_owner")
    _check_triangle_member(fulfillment_owner, "FR", "fulfillment_owner")
    grade = grade_for(amount=amount, partner=partner)
    process = process_for(grade)
    stage = first_stage(process)
    opportunity = Opportunity.objects.create(
        name=name,
        customer=customer,
        amount=amount,
        currency=currency,
        expected_close_date=expected_close_date,
        grade=grade,
        process=process,
        stage=stage,
        probability=stage.probability,
        owner=owner,
        solution_owner=solution_owner,
        fulfillment_owner=fulfillment_owner,
        team=owner.team,
        partner=partner or "",
        lead=lead,
        needs=needs or "",
        stage_entered_at=now,
    )
    StageHistory.objects.create(opportunity=opportunity, stage=stage, entered_at=now, entered_by=by)
    GradeChange.objects.create(
        opportunity=opportunity,
        from_grade="",
        to_grade=grade,
        reason=str(_("Graded from the amount")),
        by=by,
        at=now,
    )
    log_transition(
        obj=opportunity, transition="create", source="", target=stage.code, actor=by, at=now
    )
    opportunity.stage = stage
    _open_tasks(opportunity)
    return opportunity


@transaction.atomic
def convert_lead(
    *,
    lead: Lead,
    user,
    opportunity_name: str,
    amount: Decimal,
    expected_close_date,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> Opportunity:
    """A validated lead becomes an opportunity: its customer (linked or created), a contact from
    the lead's person, and the opportunity that keeps the lead."""
    now = now or timezone.now()
    lead = (
        Lead.objects.select_for_update(of=("self",)).select_related("pool", "owner").get(pk=lead.pk)
    )
    _require(
        works_on_lead(user, lead), _("Only the owner of the lead or their manager converts it.")
    )
    if (
        customer is not None
        and not Customer.objects.visible_to(user).filter(pk=customer.pk).exists()
    ):
        raise InvalidInput(_("Choose a customer you can see."), "customer")
    if lead.state != LeadState.VALIDATED:
        raise TransitionRefused(
            _("Only a validated lead can be converted."),
            [
                Missing(
                    "validated",
                    _("The lead must be validated first (it is “%(state)s”).")
                    % {"state": lead.get_state_display()},
                )
            ],
        )
    ensure_can(lead, "convert", _("This lead cannot be converted."))
    owner = lead.owner
    if customer is None:
        customer = (
            Customer.objects.visible_to(user)
            .filter(name_key=company_key(lead.company_name))
            .order_by("id")
            .first()
        )
    if customer is None:
        from ltc.customers.pool import start_clock

        customer = Customer(name=lead.company_name, owner=owner, team=owner.team)
        start_clock(customer, owner=owner, now=timezone.now())  # under its pool's rule
        customer.save(force_insert=True)
    if lead.contact_name:
        Contact.objects.get_or_create(
            customer=customer,
            name=lead.contact_name,
            defaults={"phone": lead.phone, "email": lead.email},
        )
    opportunity = create_opportunity(
        by=user,
        customer=customer,
        name=opportunity_name,
        amount=amount,
        expected_close_date=expected_close_date,
        currency=lead.currency,
        owner=owner,
        needs=lead.need,
        lead=lead,
        now=now,
        partner="",
    )
    lead.convert(at=now)
    lead.save()
    log_transition(
        obj=lead,
        transition="convert",
        source=LeadState.VALIDATED,
        target=lead.state,
        actor=user,
        at=now,
        comment=f"#{opportunity.pk} {opportunity.name}",
    )
    emit(
        "lead.converted",
        {
            "lead": lead.pk,
            "opportunity": opportunity.pk,
            "customer": customer.pk,
            "converted_at": now,
        },
    )
    return opportunity


@transaction.atomic
def update_opportunity(*, opportunity: Opportunity, by, **fields) -> Opportunity:
    opportunity = _locked(opportunity.pk)
    _require(
        works_on(by, opportunity),
        _("Only the iron triangle and its managers edit this opportunity."),
    )
    _require_open(opportunity)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here."), sorted(unknown)[0])
    if ("solution_owner" in fields or "fulfillment_owner" in fields) and not may_steer(
        by, opportunity
    ):
        raise NotAllowed(_("Only the AR or a manager forms the iron triangle."))
    if "partner" in fields and bool(fields["partner"].strip()) != (opportunity.grade == Grade.E):
        raise InvalidInput(
            _(
                "A deal moves between the partner track and our own tracks only by a new opportunity."
            ),
            "partner",
        )
    _check_triangle_member(fields.get("solution_owner"), "SR", "solution_owner")
    _check_triangle_member(fields.get("fulfillment_owner"), "FR", "fulfillment_owner")
    check_business_date(
        fields.get("expected_close_date"), field="expected_close_date", ahead_days=LONG_AHEAD_DAYS
    )
    check_business_date(fields.get("bid_date"), field="bid_date", ahead_days=LONG_AHEAD_DAYS)
    changed = [
        f
        for f in ("solution_owner", "fulfillment_owner")
        if f in fields and getattr(opportunity, f"{f}_id") != getattr(fields[f], "pk", None)
    ]
    newly = [(f, fields[f]) for f in changed if fields[f] is not None]
    for name, value in fields.items():
        setattr(opportunity, name, value)
    if "amount" in fields:
        if opportunity.amount is None or opportunity.amount <= 0:
            raise InvalidInput(_("The amount must be positive."), "amount")
        # A grade a manager raised stays unless the amount itself now earns a higher one.
        grade = tracks.grade_with_amount(opportunity, opportunity.amount)
        _set_grade(opportunity, grade, str(_("Amount changed")), by)
    opportunity.save()
    if "amount" in fields:
        take_back_if_off_track(
            opportunity,
            by=by,
            cause=str(
                _("The amount changed to %(amount)s.")
                % {"amount": format_money(opportunity.amount, opportunity.currency)}
            ),
        )
    for field, role in (("solution_owner", TaskRole.SR), ("fulfillment_owner", TaskRole.FR)):
        if field in changed:
            # The role's open tasks follow its holder (a new SR takes over the old one's tasks).
            OpportunityTask.objects.filter(
                opportunity=opportunity, role=role, done_at__isnull=True
            ).update(assignee=getattr(opportunity, field))
    if newly:
        labels = {"solution_owner": "SR", "fulfillment_owner": "FR"}
        notify_many(
            (
                user,
                "opportunity_assigned",
                {"role": labels[f], "name": opportunity.name},
                f"/opportunities/{opportunity.pk}/",
            )
            for f, user in newly
        )
    return opportunity


def _set_grade(opportunity: Opportunity, grade: str, reason: str, by, raised: bool = False) -> None:
    if grade == opportunity.grade:
        return
    GradeChange.objects.create(
        opportunity=opportunity,
        from_grade=opportunity.grade,
        to_grade=grade,
        reason=reason,
        by=by,
        at=timezone.now(),
    )
    opportunity.grade = grade
    opportunity.grade_raised = raised


@transaction.atomic
def regrade(*, opportunity: Opportunity, user, grade: str, reason: str) -> Opportunity:
    """A manager raises the grade by hand (a flagship project); A/B then go stage by stage."""
    opportunity = _locked(opportunity.pk)
    _require(manages_deal(user, opportunity), _("Only a manager above the deal changes its grade."))
    _require_open(opportunity)
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the grade changes."), "reason")
    if grade not in GRADE_RANK:
        raise InvalidInput(_("Choose grade A, B, C or D."), "grade")
    if opportunity.grade == Grade.E:
        raise InvalidInput(_("A partner-led deal keeps grade E."), "grade")
    if GRADE_RANK[grade] <= GRADE_RANK[opportunity.grade]:
        raise InvalidInput(
            _("A manager may only raise the grade (it is %(grade)s).")
            % {"grade": opportunity.grade},
            "grade",
        )
    _set_grade(opportunity, grade, reason, user, raised=True)
    opportunity.save()
    log_transition(
        obj=opportunity,
        transition="regrade",
        source=opportunity.stage.code,
        target=opportunity.stage.code,
        actor=user,
        comment=f"{grade}: {reason}",
    )
    take_back_if_off_track(
        opportunity,
        by=user,
        cause=str(
            _("A manager raised the grade to %(grade)s (%(reason)s).")
            % {"grade": grade, "reason": reason}
        ),
    )
    return opportunity


def take_back_if_off_track(
    opportunity: Opportunity, *, by, cause: str, now: datetime | None = None
) -> Stage | None:
    """Keep the invariant of ``tracks``: a deal whose grade now demands gates it skipped goes back
    to the last stage before the first of them, with the reason in its history, its timeline and
    a notice to its AR and their managers. Returns the stage it went back to, or None."""
    skipped = tracks.skipped_stages(opportunity)
    if not skipped:
        return None
    now = now or timezone.now()
    target = tracks.back_to(opportunity, skipped)
    reason = tracks.back_reason(opportunity, opportunity.grade, skipped, cause)
    _enter_stage(
        opportunity,
        target,
        by=by,
        now=now,
        evidence=[
            {
                "code": "track",
                "label": reason,
                "kind": "track",
                "met": False,
                "stage": "",
                "role": "",
            }
        ],
        transition="back",
        comment=reason,
    )
    # What the caller shows the user (a flash message, the API's ``sent_back``).
    opportunity.sent_back = {"stage": target.code, "stage_order": target.order, "reason": reason}
    owner_id = opportunity.owner_id
    notify(
        {owner_id, *managers_of([owner_id]).get(owner_id, [])} - {by.pk},
        kind="opportunity_sent_back",
        params={
            "name": opportunity.name,
            "stage": f"{target.order} {target.name}",
            "grade": opportunity.grade,
            "skipped": tracks.stage_list(skipped),
        },
        url=f"/opportunities/{opportunity.pk}/",
    )
    return target


# The gate ------------------------------------------------------------------------------------
def next_stage(opportunity: Opportunity) -> Stage | None:
    return (
        Stage.objects.filter(process_id=opportunity.process_id, order__gt=opportunity.stage.order)
        .order_by("order")
        .first()
    )


def target_stage(opportunity: Opportunity, to_stage: str | None) -> Stage:
    if not to_stage:
        target = next_stage(opportunity)
        if target is None:
            raise InvalidInput(
                _("The opportunity is in its last stage; it closes by winning or losing."),
                "to_stage",
            )
        return target
    target = Stage.objects.filter(process_id=opportunity.process_id, code=to_stage).first()
    if target is None:
        raise InvalidInput(
            _("No stage “%(code)s” in this opportunity's process.") % {"code": to_stage}, "to_stage"
        )
    if target.order <= opportunity.stage.order:
        raise InvalidInput(_("Opportunities move forward only."), "to_stage")
    return target


def track_missing(opportunity: Opportunity, target: Stage) -> list[Missing]:
    """A jump over stages is the fast track's privilege: C/D, from the first stage, to signing."""
    if target.order == opportunity.stage.order + 1:
        return []
    if (
        opportunity.is_fast_track
        and target.is_signing
        and opportunity.stage.order == first_stage(opportunity.process).order
    ):
        return []
    if target == next_stage(opportunity):  # next after a gap in the orders (stages are data)
        return []
    following = next_stage(opportunity)
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


def gate(
    opportunity: Opportunity, to_stage: str | None = None
) -> tuple[Stage, list[requirements.Item], list[Missing]]:
    """The move's target, its checklist, and every unmet item (track and requirements)."""
    target = target_stage(opportunity, to_stage)
    items = requirements.checklist(opportunity, target)
    missing = track_missing(opportunity, target) + [
        Missing(i.code, i.label) for i in items if not i.met
    ]
    return target, items, missing


@transaction.atomic
def advance(
    *, opportunity: Opportunity, user, to_stage: str | None = None, now: datetime | None = None
) -> Opportunity:
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    _require(may_steer(user, opportunity), _("Only the AR or a manager moves the opportunity."))
    _require_open(opportunity)
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


# Reviews ------------------------------------------------------------------------------------
ASSESSMENT_BY_ROLE = {
    TaskRole.AR: "relationship_assessment",
    TaskRole.SR: "solution_assessment",
    TaskRole.FR: "delivery_assessment",
}


def _assessments_allowed(user, opportunity: Opportunity) -> set[str]:
    if manages_deal(user, opportunity):
        return set(ASSESSMENT_BY_ROLE.values())
    return {
        field
        for role, field in ASSESSMENT_BY_ROLE.items()
        if role_user_id(opportunity, role) == user.pk
    }


def _apply_assessments(review: Review, user, opportunity: Opportunity, assessments: dict) -> None:
    allowed = _assessments_allowed(user, opportunity)
    for field, text in assessments.items():
        if text is None or not str(text).strip():
            continue
        if field not in allowed:
            raise NotAllowed(_("Each member of the triangle writes their own assessment."))
        setattr(review, field, text)


@transaction.atomic
def request_review(
    *,
    opportunity: Opportunity,
    user,
    kind: str,
    now: datetime | None = None,
    details: dict | None = None,
    **assessments,
) -> Review:
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    _require(
        works_on(user, opportunity), _("Only the iron triangle and its managers ask for a review.")
    )
    if not (kind == ReviewKind.CONTRACT and opportunity.state == OpportunityState.WON):
        # A won deal (a partner deal won on its registration) still reviews its contract.
        _require_open(opportunity)
    if kind not in ReviewKind.values:
        raise InvalidInput(_("Unknown review kind."), "kind")
    if Review.objects.filter(
        opportunity=opportunity, kind=kind, state=ReviewState.PENDING
    ).exists():
        raise TransitionRefused(
            _("A review of this kind is already waiting for a decision."),
            [Missing("pending_review", _("No other review of this kind pending"))],
        )
    review = Review(
        opportunity=opportunity,
        kind=kind,
        requested_by=user,
        requested_at=now,
        details=details or {},
    )
    _apply_assessments(
        review,
        user,
        opportunity,
        {k: v for k, v in assessments.items() if k in ASSESSMENT_BY_ROLE.values()},
    )
    review.save()
    log_transition(
        obj=review, transition="request", source="", target=review.state, actor=user, at=now
    )
    managers = managers_of([opportunity.owner_id]).get(opportunity.owner_id, [])
    notify(
        managers,
        kind="review_requested",
        params={
            "by": str(user),
            "review": str(review.get_kind_display()),
            "name": opportunity.name,
        },
        url=f"/opportunities/reviews/{review.pk}/",
    )
    ask_assessors(review, by=user)
    return review


def ask_assessors(review: Review, *, by) -> int:
    """Tell the SR and FR (and the AR) whose assessment the review still waits for, with the
    link to the assessment form."""
    review.opportunity = Opportunity.objects.select_related(
        "owner", "solution_owner", "fulfillment_owner"
    ).get(pk=review.opportunity_id)
    people = [
        missing["user"]
        for missing in review.missing_assessors()
        if missing["user"] is not None and missing["user"].pk != by.pk
    ]
    return notify(
        people,
        kind="review_assessment_requested",
        params={
            "by": str(by),
            "review": str(review.get_kind_display()),
            "name": review.opportunity.name,
        },
        url=f"/opportunities/reviews/{review.pk}/#assess",
    )


@transaction.atomic
def assess_review(*, review: Review, user, **assessments) -> Review:
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .get(pk=review.pk)
    )
    _require(
        works_on(user, review.opportunity),
        _("Only the iron triangle and its managers assess a review."),
    )
    if review.state != ReviewState.PENDING:
        raise TransitionRefused(
            _("The review is already decided."), [Missing("state", _("Review pending"))]
        )
    _apply_assessments(review, user, review.opportunity, assessments)
    review.save()
    return review


@transaction.atomic
def decide_review(
    *, review: Review, user, approve: bool, comment: str = "", now: datetime | None = None
) -> Review:
    now = now or timezone.now()
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("opportunity", "opportunity__owner")
        .get(pk=review.pk)
    )
    opportunity = review.opportunity
    refusal = decision_refused(user, review)
    _require(refusal is None, refusal)
    if not approve and not (comment or "").strip():
        raise InvalidInput(_("Say why the review is rejected."), "comment")
    source = review.state
    if approve and review.needs_second_approval and review.first_approved_by_id is None:
        return _first_approval(review, user, comment, now)
    if approve:
        ensure_can(review, "approve", _("The review cannot be approved yet."))
        review.approve(by=user, at=now, comment=comment)
    else:
        ensure_can(review, "reject", _("The review cannot be rejected."))
        review.reject(by=user, at=now, comment=comment)
    review.save()
    log_transition(
        obj=review,
        transition="approve" if approve else "reject",
        source=source,
        target=review.state,
        actor=user,
        at=now,
        comment=comment,
    )
    notify(
        [opportunity.owner_id],
        kind="review_decided",
        params={
            "review": str(review.get_kind_display()),
            "name": opportunity.name,
            "decision": str(review.get_state_display()),
            "by": str(user),
        },
        url=f"/opportunities/{opportunity.pk}/",
    )
    review_decided.send(sender=Review, review=review, approved=approve, by=user)
    return review


# Closing ------------------------------------------------------------------------------------
@transaction.atomic
def close_lost(
    *,
    opportunity: Opportunity,
    user,
    reason: str,
    lessons: str,
    competitor: str = "",
    abandon: bool = False,
    now: datetime | None = None,
) -> Opportunity:
    """Lost (the customer chose another) or abandoned (we walked away): both need a reason
    category and lessons, and name the winning competitor where known (loss review)."""
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    _require(may_steer(user, opportunity), _("Only the AR or a manager closes the opportunity."))
    _require_open(opportunity)
    if reason and reason not in LossReason.values:
        raise InvalidInput(_("Choose one of the loss reasons."), "reason")
    opportunity.loss_reason = reason or ""
    opportunity.loss_competitor = competitor or ""
    opportunity.loss_lessons = lessons or ""
    method = "abandon" if abandon else "lose"
    ensure_can(opportunity, method, _("The loss review is incomplete."))
    getattr(opportunity, method)(at=now)
    opportunity.save()
    StageHistory.objects.filter(opportunity=opportunity, exited_at__isnull=True).update(
        exited_at=now
    )
    log_transition(
        obj=opportunity,
        transition=method,
        source=OpportunityState.OPEN,
        target=opportunity.state,
        actor=user,
        at=now,
        comment=lessons,
    )
    emit(
        "opportunity.lost",
        {
            **_deal_payload(opportunity),
            "state": opportunity.state,
            "reason": opportunity.loss_reason,
            "competitor": opportunity.loss_competitor,
            "closed_at": now,
        },
    )
    return opportunity


def _deal_payload(opportunity: Opportunity) -> dict:
    return {
        "opportunity": opportunity.pk,
        "name": opportunity.name,
        "customer": opportunity.customer_id,
        "amount": opportunity.amount,
        "currency": opportunity.currency,
    }


def win_missing(opportunity: Opportunity) -> list[Missing]:
    if opportunity.grade == Grade.E:
        if opportunity.stage.code != "approved":
            return [Missing("registration", _("The partner registration is approved"))]
        return []
    if not opportunity.stage.is_signing:
        return [Missing("signing_stage", _("The opportunity is in the signing stage"))]
    return []


@transaction.atomic
def mark_won(
    *,
    opportunity: Opportunity,
    by,
    now: datetime | None = None,
    comment: str = "",
    won_amount: Decimal | None = None,
    won_currency: str = "",
) -> Opportunity:
    """Won: for A–D deals by signing their contract (the contracts app calls this inside the
    signing transaction, with the contract's amount as ``won_amount``); for E deals from the
    approved registration (``win_partner_deal``, at the estimate until a contract is signed).

    The won deal is worth ``won_amount``: its value becomes the contract's, the estimate is kept
    in ``estimated_amount``, and the grade follows the signed value (refused when that grade's
    track demands gates the deal skipped)."""
    now = now or timezone.now()
    opportunity = _locked(opportunity.pk)
    _require_open(opportunity)
    missing = win_missing(opportunity)
    if won_amount is not None:
        missing += tracks.amount_track_missing(opportunity, won_amount, won_currency)
    if missing:
        raise TransitionRefused(_("The opportunity cannot be won yet."), missing)
    opportunity.estimated_amount = opportunity.amount
    opportunity.estimated_currency = opportunity.currency
    if won_amount is not None:
        opportunity.amount = won_amount
        opportunity.currency = won_currency or opportunity.currency
        _set_grade(
            opportunity,
            tracks.grade_with_amount(opportunity, won_amount),
            str(_("Signed at %(amount)s") % {"amount": format_money(won_amount, won_currency)}),
            by,
        )
    opportunity.win(at=now)
    opportunity.save()
    StageHistory.objects.filter(opportunity=opportunity, exited_at__isnull=True).update(
        exited_at=now
    )
    log_transition(
        obj=opportunity,
        transition="win",
        source=OpportunityState.OPEN,
        target=opportunity.state,
        actor=by,
        at=now,
        comment=_won_comment(opportunity, comment),
    )
    emit("opportunity.won", {**_deal_payload(opportunity), "won_at": now})
    return opportunity


def _won_comment(opportunity: Opportunity, comment: str) -> str:
    if not opportunity.won_value_differs:
        return comment
    return str(
        _("%(comment)s: estimated %(estimate)s, signed %(value)s")
        % {
            "comment": comment,
            "estimate": format_money(opportunity.estimated_amount, opportunity.estimated_currency),
            "value": format_money(opportunity.amount, opportunity.currency),
        }
    )


@transaction.atomic
def set_won_value(
    *, opportunity: Opportunity, amount: Decimal, currency: str, by, reason: str
) -> Opportunity:
    """A won deal is worth its signed contract's current amount: the contracts app calls this
    when a contract is signed on a deal already won (a partner deal won on its registration) and
    when an applied change request changes the contract's amount. The grade stays the one the
    deal was won with. Recorded in the deal's timeline (and the audit trail)."""
    opportunity = _locked(opportunity.pk)
    if opportunity.state != OpportunityState.WON:
        raise TransitionRefused(
            _("Only a won deal has a won value."),
            [Missing("state", _("The opportunity is won"))],
        )
    if opportunity.amount == amount and opportunity.currency == currency:
        return opportunity
    before = format_money(opportunity.amount, opportunity.currency)
    if opportunity.estimated_amount is None:
        opportunity.estimated_amount = opportunity.amount
        opportunity.estimated_currency = opportunity.currency
    opportunity.amount, opportunity.currency = amount, currency
    opportunity.save()
    log_transition(
        obj=opportunity,
        transition="won_value",
        source=opportunity.state,
        target=opportunity.state,
        actor=by,
        comment=f"{before} → {format_money(amount, currency)}: {reason}",
    )
    return opportunity


def win_partner_deal(*, opportunity: Opportunity, user, now: datetime | None = None) -> Opportunity:
    _require(may_steer(user, opportunity), _("Only the AR or a manager closes the opportunity."))
    if opportunity.grade != Grade.E:
        raise TransitionRefused(
            _("Our own deals are won by signing their contract."),
            [Missing("contract_signed", _("The contract is signed"))],
        )
    return mark_won(opportunity=opportunity, by=user, now=now)


# Decision chain, competitors, visits -----------------------------------------------------------
@transaction.atomic
def add_decision_maker(
    *, opportunity: Opportunity, user, contact: Contact, role: str, attitude: str, note: str = ""
) -> DecisionChainMember:
    _require(
        works_on(user, opportunity),
        _("Only the iron triangle and its managers edit the decision chain."),
    )
    _require_open(opportunity)
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
    _require(
        works_on(user, opportunity),
        _("Only the iron triangle and its managers record competitors."),
    )
    _require_open(opportunity)
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
    _require(
        works_on(user, opportunity), _("Only the iron triangle and its managers log activities.")
    )
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


def _first_approval(review: Review, user, comment: str, now: datetime) -> Review:
    """An escalated review (a risky contract, a thin margin) keeps waiting after the first
    manager's approval until a second approver above them approves too."""
    ensure_can(review, "approve", _("The review cannot be approved yet."))
    review.first_approved_by = user
    review.first_approved_at = now
    review.comment = comment or ""
    review.save()
    log_transition(
        obj=review,
        transition="first_approval",
        source=review.state,
        target=review.state,
        actor=user,
        at=now,
        comment=comment,
    )
    higher = set(managers_of([user.pk]).get(user.pk, []))
    higher |= set(User.objects.filter(is_active=True, role=Role.ADMIN).values_list("pk", flat=True))
    higher.discard(user.pk)
    notify(
        higher,
        kind="review_requested",
        params={
            "by": str(user),
            "review": str(review.get_kind_display()),
            "name": review.opportunity.name,
        },
        url=f"/opportunities/reviews/{review.pk}/",
    )
    return review
