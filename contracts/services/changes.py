"""Change requests of a signed contract: requested, assessed, decided, applied."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.errors import InvalidInput, Missing, TransitionRefused
from ltc.core.fsm import unmet
from ltc.core.money import quantize
from opportunities import services as deals

from ..models import (
    ChangeRequest,
    ChangeState,
    Contract,
)
from ._common import _AMOUNT_CHECKS, _CHANGE_LISTENERS
from .drafting import _locked_contract, _snapshot, _terms_as_rows, _write_terms, clean_terms
from .rules import change_actions, contract_actions


# Change requests -------------------------------------------------------------------------------
@transaction.atomic
def request_change(
    *, contract: Contract, by, description: str, amount_delta=Decimal("0"), new_terms=None
) -> ChangeRequest:
    contract = _locked_contract(contract)
    contract_actions(by, contract)["request_change"].require()
    if not (description or "").strip():
        raise InvalidInput(_("Describe the change."), "description")
    try:
        delta = Decimal(str(amount_delta or "0"))
        if not delta.is_finite():
            raise InvalidOperation
        delta = quantize(delta)
    except InvalidOperation:
        raise InvalidInput(_("The amount change must be a number."), "amount_delta")
    if contract.amount + delta <= 0:
        raise InvalidInput(_("The contract amount must stay positive."), "amount_delta")
    terms = None
    if new_terms:
        terms = [
            {
                **t,
                "percent": str(t["percent"]),
                "due_date": t["due_date"].isoformat() if t["due_date"] else None,
            }
            for t in clean_terms(new_terms)
        ]
    if delta == 0 and terms is None:
        raise InvalidInput(
            _("A change request changes the amount or the payment terms."), "amount_delta"
        )
    change = ChangeRequest.objects.create(
        contract=contract,
        description=description,
        amount_delta=delta,
        new_terms=terms,
        requested_by=by,
        requested_at=timezone.now(),
    )
    log_transition(obj=change, transition="request", source="", target=change.state, actor=by)
    opportunity = contract.opportunity
    notify(
        {u for u in (opportunity.solution_owner_id, opportunity.fulfillment_owner_id) if u},
        kind="change_requested",
        params={"number": contract.number, "description": description[:80]},
        url=f"/contracts/{contract.pk}/",
    )
    return change


def _locked_change(change: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("contract", "contract__opportunity", "contract__opportunity__owner")
        .get(pk=change.pk)
    )


@transaction.atomic
def assess_change(
    *, change: ChangeRequest, by, fr_assessment: str | None = None, sr_assessment: str | None = None
) -> ChangeRequest:
    """FR judges deliverability and cost, SR the technical side; with both it is reviewed."""
    change = _locked_change(change)
    actions = change_actions(by, change)
    if fr_assessment:
        actions["assess_fr"].require()
        change.fr_assessment = fr_assessment
    if sr_assessment:
        actions["assess_sr"].require()
        change.sr_assessment = sr_assessment
    if not (fr_assessment or sr_assessment):
        raise InvalidInput(_("Write an assessment."), "fr_assessment")
    if not unmet(change, "mark_reviewed"):
        change.mark_reviewed()
        log_transition(
            obj=change,
            transition="review",
            source=ChangeState.REQUESTED,
            target=change.state,
            actor=by,
        )
    change.save()
    return change


@transaction.atomic
def decide_change(*, change: ChangeRequest, by, approve: bool, comment: str = "") -> ChangeRequest:
    change = _locked_change(change)
    method = "approve" if approve else "reject"
    decision = change_actions(by, change)[method]
    decision.require_permitted()
    if not approve and not (comment or "").strip():
        raise InvalidInput(_("Say why the change is rejected."), "comment")
    decision.require()
    source = change.state
    getattr(change, method)(by=by, at=timezone.now(), comment=comment)
    change.save()
    log_transition(
        obj=change, transition=method, source=source, target=change.state, actor=by, comment=comment
    )
    return change


@transaction.atomic
def apply_change(*, change: ChangeRequest, by) -> Contract:
    """Applying changes the amount and/or terms and makes a new contract version; the old
    versions stay readable."""
    change = _locked_change(change)
    contract = _locked_contract(change.contract)
    change.contract = contract
    change_actions(by, change)["apply"].require()
    new_amount = contract.amount + change.amount_delta
    new_terms = clean_terms(change.new_terms) if change.new_terms else _terms_as_rows(contract)
    missing = [m for check in _AMOUNT_CHECKS for m in check(contract, new_amount, new_terms)]
    if new_amount <= 0:
        missing.append(Missing("amount", _("The contract amount stays positive")))
    if missing:
        raise TransitionRefused(_("The change cannot be applied."), missing)
    contract.amount = new_amount
    contract.version += 1
    contract.save()
    if change.new_terms:
        _write_terms(contract, clean_terms(change.new_terms))
    for listener in _CHANGE_LISTENERS:
        listener(contract)
    _snapshot(contract, by, change.description)
    change.apply(at=timezone.now(), version=contract.version)
    change.save()
    log_transition(
        obj=change, transition="apply", source=ChangeState.APPROVED, target=change.state, actor=by
    )
    log_transition(
        obj=contract,
        transition="change",
        source=contract.state,
        target=contract.state,
        actor=by,
        comment=f"v{contract.version}: {change.description[:200]}",
    )
    if change.amount_delta:
        deals.set_won_value(
            opportunity=contract.opportunity,
            amount=contract.amount,
            currency=contract.currency,
            by=by,
            reason=f"{contract.number} v{contract.version}",
        )
    return contract
