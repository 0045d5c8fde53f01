"""The actions on a contract and on its change requests: POST only, a flash message after
each, back to the contract."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.errors import InvalidInput
from ltc.core.views import run_post
from opportunities import services as deals
from opportunities.forms import AssessForm, DecideForm

from .. import services
from ..forms import (
    CancelForm,
    ChangeAssessForm,
    ChangeRequestForm,
    ClearRiskForm,
    ContractCostForm,
    EvaluationForm,
    SignForm,
)
from ..models import (
    ChangeRequest,
    ContractState,
)
from .contract_pages import _contract, _contract_url


# Contract actions: POST only, a flash message after each, back to the contract. ------------------
def _contract_post(request, pk: int, run, success: str, form=None):
    contract = _contract(request, pk)
    return run_post(request, _contract_url(contract), lambda d: run(contract, d), success, form)


@login_required
@require_POST
def contract_submit(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.submit_contract(contract=c, by=request.user),
        _("Contract submitted to its review: the iron triangle assesses, a manager decides."),
    )


@login_required
@require_POST
def contract_costs(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.assess_contract_cost(
            contract=c, by=request.user, cost_amount=d["cost_amount"], note=d["note"]
        ),
        _("Cost saved: the margin is computed from it."),
        ContractCostForm(request.POST),
    )


@login_required
@require_POST
def contract_clear_risk(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.clear_contract_risk(contract=c, by=request.user, reason=d["reason"]),
        _("Risk cleared; who cleared it and why is recorded."),
        ClearRiskForm(request.POST),
    )


@login_required
@require_POST
def contract_assess(request, pk: int):
    contract = _contract(request, pk)
    form = AssessForm(request.POST, assessments=list(deals.ASSESSMENT_BY_ROLE.values()))

    def run(data):
        if contract.review_id is None:
            raise InvalidInput(_("The contract has no review yet."))
        deals.assess_review(
            review=contract.review,
            user=request.user,
            **{k: v for k, v in data.items() if v.strip()},
        )

    return run_post(request, _contract_url(contract), run, _("Assessment saved."), form)


@login_required
@require_POST
def contract_decide(request, pk: int):
    def run(contract, data) -> str:
        approve = data["decision"] == "approve"
        decided = services.decide_contract(
            contract=contract, by=request.user, approve=approve, comment=data["comment"]
        )
        if decided.state == ContractState.IN_REVIEW:
            return _("First approval recorded: the escalated review waits for a second approver.")
        if decided.state == ContractState.APPROVED:
            return _("Contract review approved: the contract may be signed.")
        return _("Contract review rejected: the contract is a draft again.")

    return _contract_post(request, pk, run, "", DecideForm(request.POST))


@login_required
@require_POST
def contract_sign(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.sign_contract(
            contract=c, by=request.user, signed_on=d["signed_on"] or None
        ),
        _("Contract signed: the opportunity is won."),
        SignForm(request.POST),
    )


@login_required
@require_POST
def contract_accept(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.accept_contract(contract=c, by=request.user),
        _("Contract accepted for delivery: it is executing."),
    )


@login_required
@require_POST
def contract_evaluate(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.record_evaluation(contract=c, by=request.user, **d),
        _("Closing evaluation recorded."),
        EvaluationForm(request.POST),
    )


@login_required
@require_POST
def contract_close(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.close_contract(contract=c, by=request.user),
        _("Contract closed."),
    )


@login_required
@require_POST
def contract_cancel(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.cancel_contract(contract=c, by=request.user, reason=d["reason"]),
        _("Contract cancelled."),
        CancelForm(request.POST),
    )


# Change requests ---------------------------------------------------------------------------------
def _change(request, pk: int) -> ChangeRequest:
    return get_object_or_404(
        ChangeRequest.objects.visible_to(request.user).select_related("contract"),
        pk=pk,
    )


@login_required
@require_POST
def change_request(request, pk: int):
    return _contract_post(
        request,
        pk,
        lambda c, d: services.request_change(contract=c, by=request.user, **d),
        _("Change requested: the FR and SR are asked to assess it."),
        ChangeRequestForm(request.POST),
    )


@login_required
@require_POST
def change_assess(request, pk: int):
    change = _change(request, pk)
    form = ChangeAssessForm(request.POST, assessments=["fr_assessment", "sr_assessment"])
    return run_post(
        request,
        _contract_url(change.contract),
        lambda d: services.assess_change(
            change=change, by=request.user, **{k: v for k, v in d.items() if v.strip()}
        ),
        _("Assessment saved."),
        form,
    )


@login_required
@require_POST
def change_decide(request, pk: int):
    change = _change(request, pk)

    def run(data) -> str:
        approve = data["decision"] == "approve"
        services.decide_change(
            change=change, by=request.user, approve=approve, comment=data["comment"]
        )
        return _("Change approved: the AR may apply it.") if approve else _("Change rejected.")

    return run_post(request, _contract_url(change.contract), run, "", DecideForm(request.POST))


@login_required
@require_POST
def change_apply(request, pk: int):
    change = _change(request, pk)

    def run(data) -> str:
        contract = services.apply_change(change=change, by=request.user)
        return _("Change applied: the contract is now version %(version)s.") % {
            "version": contract.version
        }

    return run_post(request, _contract_url(change.contract), run, "")
