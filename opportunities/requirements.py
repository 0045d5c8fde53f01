"""Stage-gate requirements are data (``StageRequirement`` rows); this module evaluates them.

``checklist(opportunity, target)`` returns every requirement of the move with ``met`` — the
API's 409 ``missing``, the UI checklist and the pipeline board all come from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import (
    Opportunity,
    OpportunityTask,
    Review,
    ReviewKind,
    ReviewState,
    Stage,
    StageRequirement,
)


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    kind: str
    met: bool
    stage: str = ""
    role: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": str(self.label),
            "kind": self.kind,
            "met": self.met,
            "stage": self.stage,
            "role": self.role,
        }


class Facts:
    """What the checks read, loaded with a fixed number of queries for one opportunity."""

    def __init__(self, opportunity: Opportunity):
        chain = list(opportunity.decision_chain.values_list("role", "attitude"))
        self._set(
            opportunity,
            chain=chain,
            competitor_count=opportunity.competitors.count(),
            done_tasks=OpportunityTask.objects.filter(
                opportunity=opportunity, done_at__isnull=False
            ).values_list("code", flat=True),
            approved_reviews=Review.objects.filter(
                opportunity=opportunity, state=ReviewState.APPROVED
            ).values_list("kind", flat=True),
        )

    @classmethod
    def of_rows(cls, opportunity: Opportunity, *, chain, competitors, tasks, reviews) -> Facts:
        """The same facts from rows a page has read anyway (the deal page lists its chain,
        competitors, tasks and reviews): no query of its own."""
        facts = cls.__new__(cls)
        facts._set(
            opportunity,
            chain=[(member.role, member.attitude) for member in chain],
            competitor_count=len(competitors),
            done_tasks=[task.code for task in tasks if task.done_at is not None],
            approved_reviews=[r.kind for r in reviews if r.state == ReviewState.APPROVED],
        )
        return facts

    def _set(self, opportunity, *, chain, competitor_count, done_tasks, approved_reviews) -> None:
        self.opportunity = opportunity
        self.chain_size = len(chain)
        self.has_decision_maker = any(role == "decision_maker" for role, _a in chain)
        self.has_supporter = any(att == "supporter" for _r, att in chain)
        self.competitor_count = competitor_count
        self.done_tasks = set(done_tasks)
        self.approved_reviews = set(approved_reviews)


# Field checks: code → (label, check). "Any opportunity field, including related ones".
FIELD_CHECKS: dict[str, tuple[str, Callable[[Facts], bool]]] = {
    "customer": (_("Customer recorded"), lambda f: f.opportunity.customer_id is not None),
    "amount": (
        _("Amount estimated"),
        lambda f: bool(f.opportunity.amount and f.opportunity.amount > 0),
    ),
    "expected_close_date": (
        _("Expected close date set"),
        lambda f: f.opportunity.expected_close_date is not None,
    ),
    "decision_chain": (_("At least one decision-chain contact"), lambda f: f.chain_size > 0),
    "decision_maker": (_("The decision maker is identified"), lambda f: f.has_decision_maker),
    "supporter": (_("A supporter (coach) in the decision chain"), lambda f: f.has_supporter),
    "solution_owner": (_("SR assigned"), lambda f: f.opportunity.solution_owner_id is not None),
    "fulfillment_owner": (
        _("FR assigned"),
        lambda f: f.opportunity.fulfillment_owner_id is not None,
    ),
    "competitors": (_("Competitors recorded"), lambda f: f.competitor_count > 0),
    "needs": (_("Customer needs documented"), lambda f: bool(f.opportunity.needs.strip())),
    "value_proposition": (
        _("Value proposition written"),
        lambda f: bool(f.opportunity.value_proposition.strip()),
    ),
    "bid_date": (_("Tender deadline known"), lambda f: f.opportunity.bid_date is not None),
    "partner": (_("Partner named"), lambda f: bool(f.opportunity.partner.strip())),
}

FIELD_CODES = sorted(FIELD_CHECKS)


def register_field_check(code: str, label, check: Callable[[Facts], bool]) -> None:
    """A downstream app (tenders) adds a check an administrator may then require on a stage
    (``kind=field``, ``code``); this app never imports it. ``check`` reads ``facts.opportunity``
    with a bounded number of queries."""
    FIELD_CHECKS[code] = (label, check)


def default_label(kind: str, code: str) -> str:
    if kind == "field" and code in FIELD_CHECKS:
        return str(FIELD_CHECKS[code][0])
    if kind == "review":
        return str(_("%(review)s approved") % {"review": dict(ReviewKind.choices).get(code, code)})
    return code


def _met(requirement: StageRequirement, facts: Facts) -> bool:
    if requirement.kind == "field":
        check = FIELD_CHECKS.get(requirement.code)
        return bool(check and check[1](facts))
    if requirement.kind == "task":
        return requirement.code in facts.done_tasks
    if requirement.kind == "review":
        return requirement.code in facts.approved_reviews
    return False


class ProcessRows:
    """A process's stages (in order) and all its stages' requirements, read in one query (the
    stages LEFT JOIN their requirements) for a page that shows several moves of one deal."""

    def __init__(self, process_id: int):
        stage_fields = [f.attname for f in Stage._meta.concrete_fields]
        req_fields = [f.attname for f in StageRequirement._meta.concrete_fields]
        rows = (
            Stage.objects.filter(process_id=process_id)
            .order_by("order", "id", "requirements__order", "requirements__id")
            .values_list(*stage_fields, *(f"requirements__{name}" for name in req_fields))
        )
        self.stages: list[Stage] = []
        self.requirements: list[StageRequirement] = []
        width = len(stage_fields)
        for row in rows:
            if not self.stages or self.stages[-1].pk != row[0]:
                self.stages.append(Stage.from_db(rows.db, stage_fields, row[:width]))
            if row[width] is not None:  # a stage without requirements joins one row of NULLs
                requirement = StageRequirement.from_db(rows.db, req_fields, row[width:])
                requirement.stage = self.stages[-1]
                self.requirements.append(requirement)


def requirements_for_move(
    opportunity: Opportunity, target: Stage, process: ProcessRows | None = None
) -> list[StageRequirement]:
    """The gate of moving to ``target``: its own requirements, plus — when the move jumps over
    stages on the fast track — the skipped stages' items marked ``fast_track``."""
    current = opportunity.stage
    if process is not None:
        own = [r for r in process.requirements if r.stage_id == target.pk]
        if target.order <= current.order + 1:
            return own
        skipped = [
            r
            for r in process.requirements
            if current.order < r.stage.order < target.order and r.fast_track
        ]
        return own + skipped
    reqs = list(StageRequirement.objects.filter(stage=target).select_related("stage"))
    if target.order > current.order + 1:
        reqs += list(
            StageRequirement.objects.filter(
                stage__process=target.process,
                stage__order__gt=current.order,
                stage__order__lt=target.order,
                fast_track=True,
            ).select_related("stage")
        )
    return reqs


def checklist(
    opportunity: Opportunity,
    target: Stage,
    facts: Facts | None = None,
    process: ProcessRows | None = None,
) -> list[Item]:
    """``facts`` and ``process`` let a page that shows several moves of one deal read them once."""
    facts = facts or Facts(opportunity)
    seen: set[tuple[str, str]] = set()
    items = []
    for req in requirements_for_move(opportunity, target, process):
        if (req.kind, req.code) in seen:
            continue
        seen.add((req.kind, req.code))
        items.append(
            Item(
                code=req.code,
                label=req.label,
                kind=req.kind,
                met=_met(req, facts),
                stage=req.stage.code,
                role=req.role,
            )
        )
    return items


def evidence(items: list[Item]) -> list[dict]:
    return [item.as_dict() for item in items]
