"""Who may do what with a quote, a contract and a change request, and what each still misses: one
``*_actions(user, record)`` function per aggregate, asked by the services (``require``), the
quote and contract pages (their buttons), the API (403 or 409 from ``require``) and the
approvals inbox (``Quote.objects.approvable_by``, ``Contract.objects.decidable_by``,
``ChangeRequest.objects.approvable_by``: the queryset forms of approve, tested against these
functions on random records)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ltc.core.actions import Action, action
from ltc.core.errors import Missing, NotAllowed
from ltc.core.fsm import unmet
from opportunities import services as deals
from opportunities import tracks as deal_tracks
from opportunities.models import Opportunity, OpportunityState

from .. import fields as commercial_fields
from ..models import (
    ChangeRequest,
    ChangeState,
    Contract,
    ContractState,
    Quote,
    QuoteLine,
    QuoteState,
)
from ._common import _CLOSE_CHECKS

LIVE = (ContractState.SIGNED, ContractState.EXECUTING)


# Shared -----------------------------------------------------------------------------------------
def offered(act: Action, *hidden: str) -> bool:
    """Whether a page shows the action's button: this user may, and the record is in a state
    the action starts from (``state``, or another of ``hidden``'s codes, hides it; any other
    missing item is listed next to the button)."""
    codes = {"state", *hidden}
    return act.refused is None and not any(item.code in codes for item in act.missing)


def decides(user, opportunity: Opportunity) -> bool:
    """A manager above the deal, never its owner, decides its discounts and changes."""
    return deals.manages_deal(user, opportunity) and user.pk != opportunity.owner_id


def right_refusal(user, target, field: str, *, clearing: bool = False):
    """The field table's refusal (``contracts.fields``) of the action that sets ``field``, or
    None when ``user`` may; the services also ask the table itself, whose 403 names the field."""
    try:
        commercial_fields.require_right(user, target, field, clearing=clearing)
    except NotAllowed as refused:
        return refused.detail
    return None


def _quoting(user, opportunity: Opportunity, name: str) -> Action:
    """Quoting the deal (a first quote, or a new version): its triangle and managers, while open."""
    is_open = opportunity.state == OpportunityState.OPEN
    return action(
        name,
        deals.works_on(user, opportunity),
        _("Only the iron triangle and its managers quote this deal."),
        [] if is_open else [Missing("state", _("The opportunity is open"))],
        _("Closed deals are not quoted."),
    )


def new_quote_action(user, opportunity: Opportunity) -> Action:
    return _quoting(user, opportunity, "quote")


def new_contract_action(user, opportunity: Opportunity, *, live: bool | None = None) -> Action:
    """Drafting the deal's contract: its AR or a manager, in the signing stage (or won), one live
    contract a deal (``live``: whether it has one, when the caller has read it already). The
    amount's fit with the deal's track is checked on the amount given."""
    missing = []
    if opportunity.state not in (OpportunityState.OPEN, OpportunityState.WON):
        missing.append(Missing("state", _("The opportunity is open or won")))
    elif opportunity.state == OpportunityState.OPEN and not opportunity.stage.is_signing:
        missing.append(Missing("signing_stage", _("The opportunity is in the signing stage")))
    if live is None:
        live = (
            Contract.objects.filter(opportunity=opportunity)
            .exclude(state=ContractState.CANCELLED)
            .exists()
        )
    if live:
        missing.append(Missing("one_contract", _("The opportunity has no other live contract")))
    return action(
        "draft_contract",
        deals.may_steer(user, opportunity),
        _("Only the AR or a manager drafts the contract."),
        missing,
        _("A contract cannot be drafted for this opportunity yet."),
    )


# Quotes -----------------------------------------------------------------------------------------
def _quote_costs(user, quote: Quote) -> Action:
    """Entering the unit costs: the field table's (the SR, finance or a manager), on any version
    but a superseded one."""
    refusal = right_refusal(user, QuoteLine(quote=quote), "unit_cost")
    superseded = quote.state == QuoteState.SUPERSEDED
    return action(
        "costs",
        refusal is None,
        refusal,
        [Missing("state", _("The quote is not superseded"))] if superseded else [],
        _("A superseded quote keeps its costs; enter them on its newest version."),
    )


def quote_actions(user, quote: Quote) -> dict[str, Action]:
    """What ``user`` may do with the quote, each with why not. The triangle and the managers above
    the deal edit, submit and revise it; its AR or a manager sends it and records the answer; a
    manager above the deal (never its owner) approves or refuses the discount; the unit costs
    are the field table's (the SR, finance or a manager), on any version but a superseded one."""
    opportunity = quote.opportunity
    works, steers = deals.works_on(user, opportunity), deals.may_steer(user, opportunity)
    decider = decides(user, opportunity)
    send = "send_approved" if quote.state == QuoteState.APPROVED else "send"
    answer = _("Only the AR or a manager records the customer's answer.")
    return {
        "edit": action(
            "edit",
            works,
            _("Only the iron triangle and its managers edit this quote."),
            [] if quote.is_editable else [Missing("state", _("The quote is a draft"))],
            _("Only a draft quote can be edited; revise it to make a new version."),
        ),
        "costs": _quote_costs(user, quote),
        "submit": action(
            "submit",
            works,
            _("Only the iron triangle and its managers submit this quote."),
            unmet(quote, "submit"),
            _("The quote cannot go for approval."),
        ),
        **{
            name: action(
                name,
                decider,
                _("A manager above the deal approves its discounts."),
                unmet(quote, name),
                _("The quote is not waiting for approval."),
            )
            for name in ("approve", "reject")
        },
        "send": action(
            "send",
            steers,
            _("Only the AR or a manager sends the quote."),
            unmet(quote, send),
            _("The quote cannot be sent yet."),
        ),
        "accept": action(
            "accept", steers, answer, unmet(quote, "accept"), _("Only a sent quote gets an answer.")
        ),
        "decline": action(
            "decline",
            steers,
            answer,
            unmet(quote, "decline"),
            _("Only a sent quote gets an answer."),
        ),
        "revise": _quoting(user, opportunity, "revise"),
    }


# Contracts --------------------------------------------------------------------------------------
DRAFT_ONLY = _("Only a draft contract is edited; a signed one changes by change request.")


def close_missing(contract: Contract) -> list[Missing]:
    """What the downstream apps (delivery, billing) say must be done before the contract closes."""
    missing = []
    for check in _CLOSE_CHECKS:
        missing.extend(check(contract))
    return missing


def _draft_items(contract: Contract) -> list[Missing]:
    if contract.is_editable:
        return []
    return [Missing("state", _("The contract is a draft"))]


def _submit_items(contract: Contract) -> list[Missing]:
    """The submission's conditions and, for a draft, whether its amount fits the deal's track."""
    missing = unmet(contract, "submit")
    if contract.state == ContractState.DRAFT:
        missing += deal_tracks.amount_track_missing(
            contract.opportunity, contract.amount, contract.currency
        )
    return missing


def _decision(user, contract: Contract, name: str) -> Action:
    """Deciding the contract's review: the review's own rule (``review_actions``) while the
    contract is in review; otherwise nothing to decide."""
    if contract.state == ContractState.IN_REVIEW and contract.review_id is not None:
        decision = deals.review_actions(user, contract.review)[name]
        return Action(name, decision.refused, decision.missing, decision.detail)
    return action(
        name,
        True,
        None,
        [Missing("state", _("The contract is in review"))],
        _("The contract is not in review."),
    )


def _risk_items(contract: Contract) -> tuple[list[Missing], object]:
    draft = _draft_items(contract)
    if contract.is_risky:
        return draft, DRAFT_ONLY
    risky = Missing("is_risky", _("The contract is marked risky"))
    return [*draft, risky], DRAFT_ONLY if draft else _("The contract is not marked risky.")


def contract_actions(user, contract: Contract) -> dict[str, Action]:
    """What ``user`` may do with the contract, each with why not. Its AR or a manager above the
    deal drafts, submits, signs, closes and cancels it and requests its changes; a manager above
    the deal decides its review (``review_actions``); the deal's FR or a manager accepts it for
    delivery; the triangle and its managers evaluate it; the cost and the risk flag are the field
    table's (``contracts.fields``)."""
    # Over 60 lines on purpose: one entry per action, each a few lines, read as one table.
    opportunity = contract.opportunity
    steers = deals.may_steer(user, opportunity)
    state = contract.state
    risk_items, risk_detail = _risk_items(contract)
    cost_refusal = right_refusal(user, contract, "cost_amount")
    risk_refusal = right_refusal(user, contract, "is_risky", clearing=True)
    return {
        "edit": action(
            "edit",
            steers,
            _("Only the AR or a manager edits the contract."),
            _draft_items(contract),
            DRAFT_ONLY,
        ),
        "costs": action(
            "costs", cost_refusal is None, cost_refusal, _draft_items(contract), DRAFT_ONLY
        ),
        "clear_risk": action(
            "clear_risk", risk_refusal is None, risk_refusal, risk_items, risk_detail
        ),
        "submit": action(
            "submit",
            steers,
            _("Only the AR or a manager submits the contract."),
            _submit_items(contract),
            _("The contract cannot go into review yet."),
        ),
        "approve": _decision(user, contract, "approve"),
        "reject": _decision(user, contract, "reject"),
        "sign": action(
            "sign",
            steers,
            _("Only the AR or a manager signs the contract."),
            unmet(contract, "sign"),
            _("The contract cannot be signed yet."),
        ),
        "accept": action(
            "accept",
            user.pk == opportunity.fulfillment_owner_id or deals.manages_deal(user, opportunity),
            _("The FR of the deal (or a manager) accepts the contract for delivery."),
            unmet(contract, "accept"),
            _("The contract cannot be accepted for delivery yet."),
        ),
        "evaluate": action(
            "evaluate",
            deals.works_on(user, opportunity),
            _("The iron triangle and its managers evaluate the contract."),
            []
            if state == ContractState.EXECUTING
            else [Missing("state", _("The contract is executing"))],
            _("A contract is evaluated while it is executing, before it closes."),
        ),
        "close": action(
            "close",
            steers,
            _("Only the AR or a manager closes the contract."),
            unmet(contract, "close")
            + (close_missing(contract) if state == ContractState.EXECUTING else []),
            _("The contract cannot be closed yet."),
        ),
        "cancel": action(
            "cancel",
            steers,
            _("Only the AR or a manager cancels the contract."),
            unmet(contract, "cancel"),
            _("A signed contract cannot be cancelled; change it by change request."),
        ),
        "request_change": action(
            "request_change",
            steers,
            _("Only the AR or a manager requests a contract change."),
            [] if state in LIVE else [Missing("state", _("The contract is signed or executing"))],
            _("Only a signed contract changes by change request."),
        ),
    }


# Change requests --------------------------------------------------------------------------------
def _apply_items(change: ChangeRequest) -> tuple[list[Missing], object]:
    missing = unmet(change, "apply")
    detail = _("Only an approved change can be applied.")
    if change.contract.state not in LIVE:
        if not missing:
            detail = _("Only a signed or executing contract changes.")
        missing.append(Missing("state", _("The contract is signed or executing")))
    return missing, detail


def change_actions(user, change: ChangeRequest) -> dict[str, Action]:
    """What ``user`` may do with the change request, each with why not. The deal's FR and SR (or
    a manager above the deal) assess it while it is requested; a manager above the deal, never
    its owner, approves a reviewed one or rejects it before; its AR or a manager applies an
    approved one to the signed or executing contract."""
    opportunity = change.contract.opportunity
    manager = deals.manages_deal(user, opportunity)
    requested = (
        []
        if change.state == ChangeState.REQUESTED
        else [Missing("state", _("The change request is requested"))]
    )
    waiting = _("The change request is no longer waiting for assessments.")
    apply_items, apply_detail = _apply_items(change)
    return {
        "assess_fr": action(
            "assess_fr",
            user.pk == opportunity.fulfillment_owner_id or manager,
            _("The FR of the deal writes this assessment."),
            requested,
            waiting,
        ),
        "assess_sr": action(
            "assess_sr",
            user.pk == opportunity.solution_owner_id or manager,
            _("The SR of the deal writes this assessment."),
            requested,
            waiting,
        ),
        **{
            name: action(
                name,
                decides(user, opportunity),
                _("A manager above the deal decides its changes."),
                unmet(change, name),
                _("The change request cannot be decided yet."),
            )
            for name in ("approve", "reject")
        },
        "apply": action(
            "apply",
            deals.may_steer(user, opportunity),
            _("Only the AR or a manager applies the change."),
            apply_items,
            apply_detail,
        ),
    }
