"""The track a deal's grade puts it on, and what keeps a deal on it.

The invariant: **an open deal never stands in a stage whose gates, for its current grade, it has
not passed.**

- Full-track grades (A, B) enter every stage through its own gate, one stage after the other.
- Fast-track grades (C, D) may also jump once, from the first stage straight to the signing stage
  (the skipped stages' items marked ``fast_track`` are still demanded by that jump's gate).
- Partner deals (E) run their own process and never change track.

Every move is judged by the grade the deal has at that moment. So a change that puts the deal on
a stricter track after a jump (an amount that reaches grade A or B, a manager raising the grade)
leaves it standing in a stage whose earlier gates it never passed: the services then take it
back to the last stage before the first gate it skipped (``services.take_back_if_off_track``),
recorded in its stage history and timeline with the reason. A contract whose amount would grade
the deal onto the stricter track is refused until the deal has passed that track
(``amount_track_missing``, asked by the contract services before drafting, review and signing).

Which gates a deal passed is read from its stage history: the stays since its last move back
(or its creation), in the order they were entered.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ltc.core.errors import Missing
from ltc.core.money import format_money

from .models import (
    FULL_TRACK_GRADES,
    GRADE_RANK,
    Grade,
    GradingPolicy,
    Opportunity,
    Stage,
    StageHistory,
)


def grade_for(*, amount: Decimal, partner: str = "") -> str:
    """The grade an amount earns on its own (E for a partner-led deal)."""
    if (partner or "").strip():
        return Grade.E
    return GradingPolicy.current().grade_for(amount)


def grade_with_amount(opportunity: Opportunity, amount: Decimal) -> str:
    """The grade the deal has at ``amount``: the amount's grade, except that a grade raised by a
    manager stays until the amount itself earns a higher one, and a partner deal stays E."""
    if opportunity.grade == Grade.E:
        return Grade.E
    computed = grade_for(amount=amount)
    if opportunity.grade_raised and GRADE_RANK[computed] <= GRADE_RANK[opportunity.grade]:
        return opportunity.grade
    return computed


def current_run(opportunity: Opportunity) -> list[Stage]:
    """The stages the deal entered since its last move back (or its creation), in the order it
    entered them: the gates it has passed where it stands now. One query."""
    run: list[Stage] = []
    # By id, the order the moves happened in (entered_at may be back-dated by an import).
    stays = StageHistory.objects.filter(opportunity_id=opportunity.pk).select_related("stage")
    for row in stays.order_by("id"):
        if run and row.stage.order <= run[-1].order:
            run = []
        run.append(row.stage)
    return run


def skipped_stages(opportunity: Opportunity, grade: str | None = None) -> list[Stage]:
    """The stages up to the deal's current one whose gates it has not passed, as ``grade`` (its
    own by default) demands them: none for a fast-track or partner grade; for a full-track grade,
    every stage after the first that is missing from the current run. Two queries."""
    grade = grade or opportunity.grade
    if grade not in FULL_TRACK_GRADES:
        return []
    passed = {stage.pk for stage in current_run(opportunity)}
    stages = list(
        Stage.objects.filter(
            process_id=opportunity.process_id, order__lte=opportunity.stage.order
        ).order_by("order")
    )
    return [stage for stage in stages[1:] if stage.pk not in passed]


def stage_list(stages: list[Stage]) -> str:
    return ", ".join(f"{stage.order} {stage.name}" for stage in stages)


def back_to(opportunity: Opportunity, skipped: list[Stage]) -> Stage:
    """Where a deal that skipped ``skipped`` goes back to: the last stage before the first one."""
    return (
        Stage.objects.filter(process_id=opportunity.process_id, order__lt=skipped[0].order)
        .order_by("-order")
        .first()
    )


def track_rule(grade: str, b_min: Decimal | None = None) -> str:
    """The track of ``grade`` in words a rep understands (the checklist and the edit form).
    ``b_min``: the grading policy's grade B threshold when the caller read it already (the deal
    page reads it with the deal); else the policy is read here, and only for a fast-track grade."""
    if grade == Grade.E:
        return _("Grade E (partner-led): the partner registration track.")
    if grade in FULL_TRACK_GRADES:
        return _(
            "Grade %(grade)s: full process. The deal enters every stage through its gate, one "
            "after the other."
        ) % {"grade": grade}
    return _(
        "Grade %(grade)s: fast track. From the first stage the deal may go straight to signing. "
        "If its amount later reaches %(b_min)s (grade B) or a manager raises its grade, it goes "
        "back to the first stage it skipped, to pass every gate."
    ) % {
        "grade": grade,
        "b_min": format_money(GradingPolicy.current().b_min if b_min is None else b_min),
    }


def stricter_track_warning(opportunity: Opportunity) -> str:
    """For the edit form of a deal that took the fast track: what a stricter grade would do."""
    if not opportunity.is_open or opportunity.grade in FULL_TRACK_GRADES:
        return ""
    if opportunity.grade == Grade.E:
        return ""
    skipped = skipped_stages(opportunity, Grade.B)
    if not skipped:
        return ""
    target = back_to(opportunity, skipped)
    return str(
        _(
            "This deal took the fast track and skipped %(stages)s. An amount of %(b_min)s or more "
            "(grade B), or a grade raised by a manager, takes it back to stage %(order)s %(stage)s "
            "to pass them."
        )
        % {
            "stages": stage_list(skipped),
            "b_min": format_money(GradingPolicy.current().b_min),
            "order": target.order,
            "stage": target.name,
        }
    )


def back_reason(opportunity: Opportunity, grade: str, skipped: list[Stage], cause: str) -> str:
    """Why the deal went back, for its history and timeline (in the actor's language)."""
    target = back_to(opportunity, skipped)
    return str(
        _(
            "%(cause)s Grade %(grade)s deals pass every stage's gate; this deal skipped "
            "%(stages)s on the fast track, so it goes back to stage %(order)s %(stage)s to pass "
            "them."
        )
        % {
            "cause": cause,
            "grade": grade,
            "stages": stage_list(skipped),
            "order": target.order,
            "stage": target.name,
        }
    )


def amount_track_missing(
    opportunity: Opportunity, amount: Decimal, currency: str = ""
) -> list[Missing]:
    """What keeps a contract of ``amount`` from being drafted, reviewed or signed on this deal:
    the amount would grade it onto a track whose gates it has not passed."""
    if not opportunity.is_open:
        return []
    grade = grade_with_amount(opportunity, amount)
    skipped = skipped_stages(opportunity, grade)
    if not skipped:
        return []
    target = back_to(opportunity, skipped)
    return [
        Missing(
            "track",
            _(
                "The contract's amount, %(amount)s, makes this a grade %(grade)s deal, and grade "
                "%(grade)s deals pass every stage's gate: this deal skipped %(stages)s on the fast "
                "track. Set the deal's amount to the contract's first; the deal then goes back to "
                "stage %(order)s %(stage)s to pass them."
            )
            % {
                "amount": format_money(amount, currency or opportunity.currency),
                "grade": grade,
                "stages": stage_list(skipped),
                "order": target.order,
                "stage": target.name,
            },
        )
    ]
