"""The contract pages: the list, the editor (drafting) and one contract."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError, InvalidInput
from ltc.core.pages import keyset_page
from ltc.core.tables import sort_by
from ltc.customers.models import Customer
from opportunities import services as deals
from opportunities.forms import AssessForm
from opportunities.models import Opportunity, ReviewState

from .. import services
from ..filters import ContractFilter
from ..forms import (
    CancelForm,
    ChangeAssessForm,
    ChangeRequestForm,
    ClearRiskForm,
    ContractCostForm,
    ContractForm,
    EvaluationForm,
    PaymentTermFormSet,
    SignForm,
    default_terms,
)
from ..models import (
    Contract,
    ContractState,
    Quote,
    QuoteState,
)
from ._common import PAGE_SIZE, REVIEW_ASSESSMENTS, _deal, _show_refusal

# Contract list -----------------------------------------------------------------------------------
# Column headers that sort the contract list (ltc.core.tables): key → field.
SORTS = {
    "number": "number",
    "title": "title",
    "customer": "customer__name",
    "state": "state",
    "amount": "amount",
    "signed": "signed_on",
}


@login_required
def contract_list(request):
    scope = Contract.objects.visible_to(request.user)
    qs, sorting = sort_by(request, scope.for_list().order_by("-created_at", "-id"), SORTS)
    contract_filter = ContractFilter(request.GET or None, queryset=qs, request=request)
    fields = contract_filter.form.fields
    # Pick the customer by name among those with a contract the user sees; the opportunity and
    # AR filters stay for the API.
    customers = Customer.objects.filter(pk__in=scope.values("customer_id")).order_by("name", "id")
    fields["customer"].widget = forms.Select(
        choices=[("", "—"), *customers.values_list("pk", "name")]
    )
    del fields["opportunity"], fields["owner"]
    page = keyset_page(request, contract_filter.qs, size=PAGE_SIZE)
    return render(
        request,
        "contracts/list.html",
        {"filter": contract_filter, "page": page, "sorting": sorting, "title": _("Contracts")},
    )


# Drafting a contract -----------------------------------------------------------------------------
def _terms_of(formset) -> list[dict]:
    return [
        {
            "label": form.cleaned_data["label"],
            "percent": form.cleaned_data["percent"],
            "trigger": form.cleaned_data["trigger"],
            "due_date": form.cleaned_data.get("due_date"),
            "days_to_pay": form.cleaned_data["days_to_pay"],
        }
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _base_quote(opportunity: Opportunity) -> Quote | None:
    """The quote a contract starts from: the latest accepted one, else the latest sent one."""
    quotes = Quote.objects.filter(
        opportunity=opportunity, state__in=[QuoteState.ACCEPTED, QuoteState.SENT]
    )
    return quotes.filter(state=QuoteState.ACCEPTED).order_by("-version").first() or (
        quotes.order_by("-version").first()
    )


def _contract_editor(request, opportunity: Opportunity, contract: Contract | None):
    # Over 60 lines on purpose: the GET/POST round trip of a form and its formset, refusals kept
    # next to their fields.
    data = request.POST if request.method == "POST" else None
    quote = None
    if contract is None:
        quote = _base_quote(opportunity)
        initial = {
            "title": opportunity.name,
            "amount": quote.total if quote else opportunity.amount,
            "currency": quote.currency if quote else opportunity.currency,
            "customer_party": opportunity.customer.name,
            "our_party": getattr(settings, "LTC_COMPANY_NAME", ""),
        }
        terms_initial = default_terms()
    else:
        initial = {
            name: getattr(contract, name)
            for name in services.EDITABLE_FIELDS
            if name != "margin_percent"
        }
        terms_initial = [
            {
                "label": t.label,
                "percent": t.percent,
                "trigger": t.trigger,
                "due_date": t.due_date,
                "days_to_pay": t.days_to_pay,
            }
            for t in contract.terms.all()
        ]
    target = contract or Contract(opportunity=opportunity, customer=opportunity.customer)
    form = ContractForm(data, initial=initial, user=request.user, target=target)
    formset = PaymentTermFormSet(data, initial=None if data else terms_initial, prefix="terms")
    terms_error = ""
    if data is not None and form.is_valid() and formset.is_valid():
        fields = dict(form.cleaned_data)
        try:
            if contract is None:
                saved = services.create_contract(
                    opportunity=opportunity,
                    by=request.user,
                    payment_terms=_terms_of(formset),
                    quote=quote,
                    **fields,
                )
            else:
                saved = services.update_contract(
                    contract=contract, by=request.user, payment_terms=_terms_of(formset), **fields
                )
        except DomainError as exc:
            if isinstance(exc, InvalidInput) and exc.field == "payment_terms":
                terms_error = str(exc.detail)
            else:
                _show_refusal(request, exc, form)
        else:
            messages.success(
                request, _("Contract %(number)s saved as a draft.") % {"number": saved.number}
            )
            return redirect(_contract_url(saved))
    title = (
        _("Draft the contract of “%(name)s”") % {"name": opportunity.name}
        if contract is None
        else _("Edit contract %(number)s") % {"number": contract.number}
    )
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "formset": formset,
            "terms_error": terms_error,
            "opportunity": opportunity,
            "contract": contract,
            "quote": quote,
            "title": title,
        },
    )


@login_required
def contract_create(request, opportunity_pk: int):
    opportunity = _deal(request, opportunity_pk)
    return _contract_editor(request, opportunity, None)


@login_required
def contract_edit(request, pk: int):
    contract = _contract(request, pk)
    edit = services.contract_actions(request.user, contract)["edit"]
    if edit.missing:  # not a draft: the rule's sentence (who may is the service's refusal)
        messages.info(request, str(edit.detail))
        return redirect(_contract_url(contract))
    return _contract_editor(request, contract.opportunity, contract)


# One contract ------------------------------------------------------------------------------------
CONTRACT_RELATED = (
    "customer",
    "quote",
    "opportunity",
    "opportunity__owner",
    "opportunity__solution_owner",
    "opportunity__fulfillment_owner",
    "opportunity__stage",
    "review",
    "review__first_approved_by",
    "review__decided_by",
    "review__requested_by",
    "cost_by",
    "risk_cleared_by",
)


def _contract(request, pk: int) -> Contract:
    return get_object_or_404(
        Contract.objects.visible_to(request.user)
        .select_related(*CONTRACT_RELATED)
        .prefetch_related("terms"),
        pk=pk,
    )


def _contract_url(contract: Contract) -> str:
    return reverse("contracts:contract_detail", args=[contract.pk])


def _review_view(user, contract: Contract, actions: dict) -> dict | None:
    """The contract review for the page: who assessed, the form for the member whose part is
    missing, and whether this user may decide (an escalated one needs a second approver above
    the first)."""
    review = contract.review
    if review is None:
        return None
    opportunity = contract.opportunity
    pending = review.state == ReviewState.PENDING
    missing = [
        (field, label) for field, label in REVIEW_ASSESSMENTS if not getattr(review, field).strip()
    ]
    mine = [
        field
        for role, field in deals.ASSESSMENT_BY_ROLE.items()
        if pending
        and deals.role_user_id(opportunity, role) == user.pk
        and not getattr(review, field).strip()
    ]
    can_decide = bool(actions["reject"])
    first = review.first_approved_by
    return {
        "review": review,
        "assessments": [(label, getattr(review, field)) for field, label in REVIEW_ASSESSMENTS],
        "missing": missing,
        "assess_form": AssessForm(assessments=mine, auto_id="assess-%s") if mine else None,
        "can_decide": can_decide,
        "can_approve": can_decide and not missing,
        "waits_for_second": pending and review.needs_second_approval and first is not None,
    }


def _change_rows(user, contract: Contract) -> list[dict]:
    """Each change request with its buttons, from the one rule (``services.change_actions``)."""
    rows = []
    changes = contract.changes.select_related("requested_by", "decided_by").order_by(
        "-requested_at", "-id"
    )
    for change in changes:
        change.contract = contract
        actions = services.change_actions(user, change)
        mine = [
            field
            for field, name in (("fr_assessment", "assess_fr"), ("sr_assessment", "assess_sr"))
            if actions[name] and not getattr(change, field).strip()
        ]
        rows.append(
            {
                "change": change,
                "actions": actions,
                "assess_form": ChangeAssessForm(assessments=mine, auto_id=f"change{change.pk}-%s")
                if mine
                else None,
                "can_approve": bool(actions["approve"]),
                "can_reject": bool(actions["reject"]),
                "can_apply": services.offered(actions["apply"]),
            }
        )
    return rows


@login_required
def contract_detail(request, pk: int):
    # Over 60 lines on purpose: the page's context, block by block; each block is a few lines and
    # used only here.
    user = request.user
    contract = _contract(request, pk)
    opportunity = contract.opportunity
    # The buttons come from the one rule (services.contract_actions) the services ask: shown
    # when this user may and the contract is in a state the action starts from, with what it
    # still misses listed next to them.
    actions = services.contract_actions(user, contract)
    offered = {name: services.offered(act) for name, act in actions.items()}
    evaluation = getattr(contract, "evaluation", None)
    draft = contract.state == ContractState.DRAFT
    context = {
        "contract": contract,
        "opportunity": opportunity,
        "title": _("Contract %(number)s") % {"number": contract.number},
        "terms": [(term, term.amount_of(contract.amount)) for term in contract.terms.all()],
        "terms_total": contract.terms_total(),
        "review": _review_view(user, contract, actions),
        "escalated": services.is_escalated(contract),
        "escalation_reasons": services.escalation_reasons(contract) if draft else [],
        "cost_form": ContractCostForm(
            initial={"cost_amount": contract.cost_amount, "note": contract.cost_note},
            auto_id="cost-%s",
        )
        if actions["costs"]
        else None,
        "clear_risk_form": ClearRiskForm(auto_id="clear-risk-%s")
        if actions["clear_risk"]
        else None,
        "quote_visible": contract.quote_id is not None
        and Quote.objects.visible_to(user).filter(pk=contract.quote_id).exists(),
        "evaluation": evaluation,
        "versions": contract.versions.select_related("created_by").order_by("-version"),
        "changes": _change_rows(user, contract),
        "timeline": transitions_of(contract)[:100],
        "actions": actions,
        "can_edit": bool(actions["edit"]),
        "can_submit": offered["submit"],
        "submit_missing": actions["submit"].missing if offered["submit"] else [],
        "can_sign": offered["sign"],
        "sign_missing": actions["sign"].missing if offered["sign"] else [],
        "can_accept": offered["accept"],
        "accept_missing": actions["accept"].missing if offered["accept"] else [],
        "can_evaluate": offered["evaluate"],
        "can_close": offered["close"],
        "close_missing": actions["close"].missing if offered["close"] else [],
        "can_cancel": offered["cancel"],
        "can_request_change": offered["request_change"],
        "sign_form": SignForm(initial={"signed_on": timezone.localdate()}, auto_id="sign-%s"),
        "evaluation_form": EvaluationForm(
            initial={
                "profitability": evaluation.profitability,
                "schedule_kept": evaluation.schedule_kept,
                "acceptance_smooth": evaluation.acceptance_smooth,
                "score": evaluation.score,
                "lessons": evaluation.lessons,
            }
            if evaluation
            else None,
            auto_id="evaluation-%s",
        ),
        "cancel_form": CancelForm(auto_id="cancel-%s"),
        "change_form": ChangeRequestForm(auto_id="change-%s"),
    }
    return render(request, "contracts/contract_detail.html", context)
