"""A contract from review to close: escalation, approval, signing (which wins the deal),
acceptance, evaluation, close and cancel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition
from ltc.core.dates import check_business_date
from ltc.core.errors import InvalidInput, Missing
from ltc.core.fsm import ensure_can
from ltc.integrations.events import emit
from opportunities import services as deals
from opportunities.models import OpportunityState, Review, ReviewKind, ReviewState

from ..models import (
    CommercialPolicy,
    Contract,
    ContractState,
    Evaluation,
)
from .drafting import _locked_contract
from .rules import close_missing, contract_actions  # noqa: F401  (close_missing re-exported)


def escalation_reasons(contract: Contract, floor: Decimal | None = None) -> list[Missing]:
    """Why the contract review needs a second approver, read from what the owners entered: a
    risk raised, no costs entered (an unknown margin is no way around the rule) or a margin
    under the commercial policy's floor."""
    if floor is None:
        floor = CommercialPolicy.current().margin_floor
    reasons = []
    if contract.is_risky:
        reasons.append(Missing("risky", _("The contract is marked risky")))
    if not contract.margin_is_known:
        reasons.append(
            Missing(
                "margin_unknown",
                _("No cost is entered by the SR, finance or a manager: the margin is unknown"),
            )
        )
    elif reviewed_margin(contract) < floor:
        reasons.append(
            Missing(
                "margin_below_floor",
                _("The margin of %(margin)s%% is under the floor of %(floor)s%%")
                % {"margin": reviewed_margin(contract), "floor": floor},
            )
        )
    return reasons


def reviewed_margin(contract: Contract) -> Decimal | None:
    """The margin the review judges: the contract's own, but never above the margin of the quote
    it was drafted from (kept when drafted), so an amount raised afterwards does not lift it."""
    margins = [m for m in (contract.margin_percent, contract.quote_margin_percent) if m is not None]
    return min(margins) if margins else None


def is_escalated(contract: Contract) -> bool:
    return bool(escalation_reasons(contract))


@transaction.atomic
def submit_contract(*, contract: Contract, by, **assessments) -> Contract:
    """Into the contract review: the triangle assesses margin, schedule and cost risk; a manager
    decides, and a risky or thin-margin contract needs a second approver above them."""
    contract = _locked_contract(contract)
    contract_actions(by, contract)["submit"].require()
    reasons = escalation_reasons(contract)
    escalated = bool(reasons)
    review = deals.request_review(
        opportunity=contract.opportunity,
        user=by,
        kind=ReviewKind.CONTRACT,
        details={
            "contract": contract.pk,
            "number": contract.number,
            "amount": str(contract.amount),
            "cost_amount": None if contract.cost_amount is None else str(contract.cost_amount),
            "cost_source": contract.cost_source,
            "margin_percent": str(contract.margin_percent) if contract.margin_is_known else None,
            "is_risky": contract.is_risky,
            "escalated": escalated,
            "escalated_because": [reason.code for reason in reasons],
        },
        **assessments,
    )
    if escalated:
        Review.objects.filter(pk=review.pk).update(needs_second_approval=True)
    contract.review = review
    contract.submit()
    contract.save()
    log_transition(
        obj=contract,
        transition="submit",
        source=ContractState.DRAFT,
        target=contract.state,
        actor=by,
        comment=str(_("escalated")) if escalated else "",
    )
    return contract


def decide_contract(*, contract: Contract, by, approve: bool, comment: str = "") -> Contract:
    """Decide the contract's review; the contract follows the review's decision (see receivers)."""
    contract_actions(by, contract)["approve" if approve else "reject"].require()
    deals.decide_review(review=contract.review, user=by, approve=approve, comment=comment)
    contract.refresh_from_db()
    return contract


def follow_review(*, review: Review, approved: bool, by) -> None:
    """Receiver of ``review_decided``: inside the deciding transaction, move the contract."""
    if review.kind != ReviewKind.CONTRACT:
        return
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("review")
        .filter(review=review, state=ContractState.IN_REVIEW)
        .first()
    )
    if contract is None:
        return
    method = "approve" if approved else "send_back"
    ensure_can(contract, method, _("The contract cannot follow its review."))
    getattr(contract, method)()
    contract.save()
    log_transition(
        obj=contract,
        transition=method,
        source=ContractState.IN_REVIEW,
        target=contract.state,
        actor=by,
        comment=review.comment,
    )


@transaction.atomic
def sign_contract(*, contract: Contract, by, signed_on: date | None = None) -> Contract:
    """Signed: the opportunity becomes won in the same transaction (if either fails, neither
    changes)."""
    contract = _locked_contract(contract)
    contract_actions(by, contract)["sign"].require()
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise InvalidInput(_("The signing date cannot be in the future."), "signed_on")
    check_business_date(signed_on, field="signed_on")
    contract.sign(on=signed_on)
    contract.save()
    log_transition(
        obj=contract,
        transition="sign",
        source=ContractState.APPROVED,
        target=contract.state,
        actor=by,
    )
    # A lost or abandoned deal refuses the signing (409, nothing changes): a contract is never
    # signed on a closed deal. The won deal is worth the signed contract (a partner deal won on
    # its registration takes the contract's amount now).
    if contract.opportunity.state != OpportunityState.WON:
        deals.mark_won(
            opportunity=contract.opportunity,
            by=by,
            comment=contract.number,
            won_amount=contract.amount,
            won_currency=contract.currency,
        )
    else:
        deals.set_won_value(
            opportunity=contract.opportunity,
            amount=contract.amount,
            currency=contract.currency,
            by=by,
            reason=str(_("contract %(number)s signed") % {"number": contract.number}),
        )
    emit(
        "contract.signed",
        {
            "contract": contract.pk,
            "number": contract.number,
            "opportunity": contract.opportunity_id,
            "customer": contract.customer_id,
            "amount": contract.amount,
            "currency": contract.currency,
            "signed_on": signed_on,
        },
    )
    return contract


@transaction.atomic
def accept_contract(*, contract: Contract, by) -> Contract:
    """Delivery accepts the signed contract: it is executing from now on."""
    contract = _locked_contract(contract)
    contract_actions(by, contract)["accept"].require()
    contract.accept(at=timezone.now())
    contract.save()
    log_transition(
        obj=contract,
        transition="accept",
        source=ContractState.SIGNED,
        target=contract.state,
        actor=by,
    )
    return contract


@transaction.atomic
def record_evaluation(
    *,
    contract: Contract,
    by,
    profitability: str,
    schedule_kept: bool,
    acceptance_smooth: bool,
    lessons: str,
    score: int,
) -> Evaluation:
    contract = _locked_contract(contract)
    contract_actions(by, contract)["evaluate"].require()
    if profitability not in Evaluation.Profitability.values:
        raise InvalidInput(_("Choose a profitability."), "profitability")
    if not (lessons or "").strip():
        raise InvalidInput(_("Write the lessons learned."), "lessons")
    if isinstance(score, bool) or not isinstance(score, int) or not (1 <= score <= 5):
        raise InvalidInput(_("The score is 1 to 5."), "score")
    evaluation, _created = Evaluation.objects.update_or_create(
        contract=contract,
        defaults={
            "profitability": profitability,
            "schedule_kept": bool(schedule_kept),
            "acceptance_smooth": bool(acceptance_smooth),
            "lessons": lessons,
            "score": score,
            "by": by,
            "at": timezone.now(),
        },
    )
    return evaluation


@transaction.atomic
def close_contract(*, contract: Contract, by) -> Contract:
    """Closed only when every order is delivered, invoiced and paid (checks registered by the
    delivery and billing apps) and the closing evaluation is recorded."""
    contract = _locked_contract(contract)
    contract_actions(by, contract)["close"].require()
    contract.close(at=timezone.now())
    contract.save()
    log_transition(
        obj=contract,
        transition="close",
        source=ContractState.EXECUTING,
        target=contract.state,
        actor=by,
    )
    return contract


@transaction.atomic
def cancel_contract(*, contract: Contract, by, reason: str) -> Contract:
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the contract is cancelled."), "reason")
    contract = _locked_contract(contract)
    contract_actions(by, contract)["cancel"].require()
    source = contract.state
    contract.cancel(reason=reason)
    contract.save()
    if contract.review_id and contract.review.state == ReviewState.PENDING:
        # The pending review has nothing left to decide: it closes with the contract.
        review = Review.objects.select_for_update().get(pk=contract.review_id)
        review.reject(by=by, at=timezone.now(), comment=reason)
        review.save()
        log_transition(
            obj=review,
            transition="reject",
            source=ReviewState.PENDING,
            target=review.state,
            actor=by,
            comment=reason,
        )
    log_transition(
        obj=contract,
        transition="cancel",
        source=source,
        target=contract.state,
        actor=by,
        comment=reason,
    )
    return contract
