"""Closing a deal: lost with its reason, won (at the signed value), a partner's deal won."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition
from ltc.core.errors import InvalidInput, Missing, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.core.money import format_money
from ltc.integrations.events import emit

from .. import tracks
from ..models import (
    Grade,
    LossReason,
    Opportunity,
    OpportunityState,
    StageHistory,
)
from .grading import _set_grade
from .rules import _locked, _require_open, opportunity_actions


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
    opportunity_actions(user, opportunity)["lose"].require()
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
    opportunity_actions(user, opportunity)["win"].require()
    return mark_won(opportunity=opportunity, by=user, now=now)
