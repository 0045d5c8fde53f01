"""The quote and contract pages. Same services and scoping as the API; views only translate
errors into form errors or flash messages listing every missing item."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError, InvalidInput, NotAllowed
from ltc.core.fsm import unmet
from ltc.core.tables import sort_by
from ltc.core.views import add_form_error, flash_form_errors, flash_refusal, run_post
from ltc.customers.models import Customer
from opportunities import services as deals
from opportunities.forms import AssessForm, DecideForm
from opportunities.models import Opportunity, OpportunityState, ReviewState
from products.models import PriceBook, PriceBookEntry

from . import fields as commercial_fields
from . import pricing, selectors, services
from .filters import ContractFilter
from .forms import (
    CancelForm,
    ChangeAssessForm,
    ChangeRequestForm,
    ClearRiskForm,
    ContractCostForm,
    ContractForm,
    EvaluationForm,
    PaymentTermFormSet,
    QuoteAnswerForm,
    QuoteCostsForm,
    QuoteForm,
    QuoteLineFormSet,
    ReviseForm,
    SignForm,
    default_terms,
)
from .models import (
    ChangeRequest,
    ChangeState,
    CommercialPolicy,
    Contract,
    ContractState,
    Quote,
    QuoteLine,
    QuoteState,
)

PAGE_SIZE = 50
QUOTE_VALIDITY_DAYS = 30
CANCELLABLE = (ContractState.DRAFT, ContractState.IN_REVIEW, ContractState.APPROVED)
REVIEW_ASSESSMENTS = (
    ("relationship_assessment", gettext_lazy("AR: customer relationship and decision chain")),
    ("solution_assessment", gettext_lazy("SR: solution and competition")),
    ("delivery_assessment", gettext_lazy("FR: deliverability and risk")),
)


# Shared helpers ----------------------------------------------------------------------------------


def _show_refusal(request, exc: DomainError, form) -> None:
    """A wrong input, or a field this user may not set, goes next to its field (the form keeps
    what was typed); anything else is a flash message with every missing item."""
    if add_form_error(exc, form):
        return
    if (
        isinstance(exc, NotAllowed)
        and exc.missing
        and all(item.code in form.fields for item in exc.missing)
    ):
        for item in exc.missing:
            form.add_error(item.code, str(item.label))
    else:
        flash_refusal(request, exc)


_managed_deals = selectors.managed_deals


def _deal(request, pk: int) -> Opportunity:
    return get_object_or_404(
        Opportunity.objects.visible_to(request.user).select_related(
            "customer", "owner", "stage", "solution_owner", "fulfillment_owner"
        ),
        pk=pk,
    )


def _company_name() -> str:
    return getattr(settings, "LTC_COMPANY_NAME", "") or _("Our company")


# Quotes ------------------------------------------------------------------------------------------
QUOTE_RELATED = (
    "opportunity",
    "opportunity__customer",
    "opportunity__owner",
    "approved_by",
    "created_by",
    "price_book",
)


def _quote(request, pk: int) -> Quote:
    return get_object_or_404(
        Quote.objects.visible_to(request.user).select_related(*QUOTE_RELATED), pk=pk
    )


def _quote_url(quote: Quote) -> str:
    return reverse("contracts:quote_detail", args=[quote.pk])


def _lines_of(formset) -> list[dict]:
    return [
        {
            "product": form.cleaned_data.get("product"),
            "product_code": form.cleaned_data.get("product_code") or "",
            "description": form.cleaned_data.get("description") or "",
            "quantity": form.cleaned_data["quantity"],
            "unit_price": form.cleaned_data.get("unit_price"),
            "discount_percent": form.cleaned_data.get("discount_percent") or 0,
        }
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _flag_discounts(formset, threshold) -> None:
    """Mark the rows whose typed discount needs a manager's approval before the quote is sent
    (saved, the quote flags every line by ``pricing``: off list, and free text)."""
    for form in formset.forms:
        raw = form["discount_percent"].value()
        try:
            form.over_threshold = raw not in (None, "") and Decimal(str(raw)) > threshold
        except (TypeError, ValueError, ArithmeticError):
            form.over_threshold = False


def _catalogue_choices(price_book) -> list:
    """The products the editor offers (the datalist): the book's entries with their list price."""
    if price_book is None:
        return []
    return list(
        PriceBookEntry.objects.filter(price_book=price_book, product__active=True)
        .select_related("product")
        .order_by("product__code")[:2000]
    )


def _quote_editor(request, opportunity: Opportunity, quote: Quote | None):
    threshold = CommercialPolicy.current().quote_discount_threshold
    if quote is None:
        offered = pricing.offered_price_books(
            currency=opportunity.currency, day=timezone.localdate()
        )
        initial = {
            "valid_until": timezone.localdate() + timedelta(days=QUOTE_VALIDITY_DAYS),
            "currency": opportunity.currency,
            "price_book": offered.first(),
        }
        lines_initial = []
    else:
        initial = {
            "valid_until": quote.valid_until,
            "currency": quote.currency,
            "price_book": quote.price_book_id,
            "notes": quote.notes,
        }
        lines_initial = [
            {
                "product": line.product.code if line.product_id else None,
                "product_code": "" if line.product_id else line.product_code,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
            }
            for line in quote.lines.select_related("product")
        ]
    data = request.POST if request.method == "POST" else None
    form = QuoteForm(data, initial=initial)
    # Only books valid today are offered (and accepted); the service checks again.
    form.fields["price_book"].queryset = PriceBook.objects.valid_on(timezone.localdate())
    # Bound, the rows are what was posted: an untouched default row still counts.
    formset = QuoteLineFormSet(data, initial=None if data else lines_initial, prefix="lines")
    if quote is not None:
        form.fields["currency"].disabled = True  # a version keeps its currency
    if data is not None and form.is_valid() and formset.is_valid():
        lines = _lines_of(formset)
        try:
            if quote is None:
                saved = services.create_quote(
                    opportunity=opportunity,
                    by=request.user,
                    valid_until=form.cleaned_data["valid_until"],
                    currency=form.cleaned_data["currency"],
                    notes=form.cleaned_data["notes"],
                    price_book=form.cleaned_data["price_book"],
                    lines=lines,
                )
            else:
                saved = services.update_quote(
                    quote=quote,
                    by=request.user,
                    valid_until=form.cleaned_data["valid_until"],
                    notes=form.cleaned_data["notes"],
                    price_book=form.cleaned_data["price_book"],
                    lines=lines,
                )
        except DomainError as exc:
            if isinstance(exc, InvalidInput) and exc.field == "lines":
                formset.lines_error = str(exc.detail)
            else:
                _show_refusal(request, exc, form)
        else:
            messages.success(
                request,
                _("Quote %(number)s saved: total %(total)s %(currency)s.")
                % {"number": saved.number, "total": saved.total, "currency": saved.currency},
            )
            if saved.needs_approval:
                messages.warning(
                    request,
                    _(
                        "A line discount is above %(threshold)s%%: the quote needs a manager's "
                        "approval before sending."
                    )
                    % {"threshold": threshold},
                )
            return redirect(_quote_url(saved))
    _flag_discounts(formset, threshold)
    chosen_book = form.cleaned_data.get("price_book") if form.is_bound and form.is_valid() else None
    if chosen_book is None and not form.is_bound:
        chosen_book = initial.get("price_book")
        if isinstance(chosen_book, int):
            chosen_book = PriceBook.objects.filter(pk=chosen_book).first()
    title = (
        _("New quote for “%(name)s”") % {"name": opportunity.name}
        if quote is None
        else _("Edit quote %(number)s") % {"number": quote.number}
    )
    return render(
        request,
        "contracts/quote_form.html",
        {
            "form": form,
            "formset": formset,
            "quote": quote,
            "opportunity": opportunity,
            "threshold": threshold,
            "catalogue": _catalogue_choices(chosen_book),
            "price_book": chosen_book,
            "title": title,
        },
    )


@login_required
def quote_create(request, opportunity_pk: int):
    opportunity = _deal(request, opportunity_pk)
    return _quote_editor(request, opportunity, None)


@login_required
def quote_edit(request, pk: int):
    quote = _quote(request, pk)
    if not quote.is_editable:
        messages.info(
            request, _("Only a draft quote can be edited; revise it to make a new version.")
        )
        return redirect(_quote_url(quote))
    return _quote_editor(request, quote.opportunity, quote)


def _quote_lines(quote: Quote, threshold) -> list:
    lines = list(quote.lines.select_related("product"))
    for line in lines:
        line.over_threshold = pricing.line_needs_approval(line, threshold)
    return lines


@login_required
def quote_detail(request, pk: int):
    user = request.user
    quote = _quote(request, pk)
    opportunity = quote.opportunity
    threshold = CommercialPolicy.current().quote_discount_threshold
    versions = list(
        Quote.objects.filter(opportunity_id=opportunity.pk)
        .order_by("-version")
        .only("pk", "number", "version", "state", "total", "currency", "created_at", "opportunity")
    )
    latest = versions[0] if versions else quote
    can_work = deals.works_on(user, opportunity)
    can_steer = deals.may_steer(user, opportunity)
    is_open = opportunity.state == OpportunityState.OPEN
    state = quote.state
    send_method = "send_approved" if state == QuoteState.APPROVED else "send"
    can_send = can_steer and state in (QuoteState.DRAFT, QuoteState.APPROVED)
    lines = _quote_lines(quote, threshold)
    may_cost = (
        state != QuoteState.SUPERSEDED
        and commercial_fields.access(user, QuoteLine(quote=quote), "unit_cost")
        == commercial_fields.SET
    )
    context = {
        "quote": quote,
        "opportunity": opportunity,
        "title": _("Quote %(number)s") % {"number": quote.number},
        "lines": lines,
        "uncosted": sum(1 for line in lines if line.unit_cost is None),
        "costs_form": QuoteCostsForm(lines=lines, auto_id="costs-%s") if may_cost else None,
        "threshold": threshold,
        "approval_reasons": pricing.approval_reasons(
            lines, subtotal=quote.subtotal, total=quote.total, threshold=threshold
        )
        if state in (QuoteState.DRAFT, QuoteState.PENDING_APPROVAL)
        else [],
        "versions": versions,
        "latest": latest,
        "is_latest": latest.pk == quote.pk,
        "can_edit": can_work and quote.is_editable,
        "can_submit": can_work and state == QuoteState.DRAFT and quote.needs_approval,
        "submit_missing": unmet(quote, "submit") if state == QuoteState.DRAFT else [],
        "can_decide": state == QuoteState.PENDING_APPROVAL
        and deals.manages_deal(user, opportunity)
        and user.pk != opportunity.owner_id,
        "can_send": can_send,
        "send_missing": unmet(quote, send_method) if can_send else [],
        "can_answer": can_steer and state == QuoteState.SENT,
        "can_revise": can_work and is_open and latest.pk == quote.pk,
        "revise_form": ReviseForm(
            initial={
                "valid_until": max(
                    quote.valid_until,
                    timezone.localdate() + timedelta(days=QUOTE_VALIDITY_DAYS),
                )
            },
            auto_id="revise-%s",
        ),
        "timeline": transitions_of(quote)[:100],
    }
    return render(request, "contracts/quote_detail.html", context)


@login_required
def quote_print(request, pk: int):
    quote = _quote(request, pk)
    return render(
        request,
        "contracts/quote_print.html",
        {
            "quote": quote,
            "opportunity": quote.opportunity,
            "lines": list(quote.lines.all()),
            "company": _company_name(),
            "title": _("Quote %(number)s") % {"number": quote.number},
        },
    )


@login_required
@require_POST
def quote_costs(request, pk: int):
    quote = _quote(request, pk)
    form = QuoteCostsForm(request.POST, lines=list(quote.lines.all()))
    return run_post(
        request,
        _quote_url(quote),
        lambda d: services.set_quote_costs(quote=quote, by=request.user, costs=form.costs()),
        _("Unit costs saved."),
        form,
    )


@login_required
@require_POST
def quote_submit(request, pk: int):
    quote = _quote(request, pk)
    return run_post(
        request,
        _quote_url(quote),
        lambda d: services.submit_quote(quote=quote, by=request.user),
        _("Quote submitted: the managers are asked to approve the discount."),
    )


@login_required
@require_POST
def quote_decide(request, pk: int):
    quote = _quote(request, pk)

    def run(data) -> str:
        approve = data["decision"] == "approve"
        services.decide_quote(
            quote=quote, by=request.user, approve=approve, comment=data["comment"]
        )
        return _("Discount approved.") if approve else _("Discount refused: the quote is a draft.")

    return run_post(request, _quote_url(quote), run, "", DecideForm(request.POST))


@login_required
@require_POST
def quote_send(request, pk: int):
    quote = _quote(request, pk)
    return run_post(
        request,
        _quote_url(quote),
        lambda d: services.send_quote(quote=quote, by=request.user),
        _("Quote marked as sent to the customer."),
    )


@login_required
@require_POST
def quote_answer(request, pk: int):
    quote = _quote(request, pk)
    return run_post(
        request,
        _quote_url(quote),
        lambda d: services.record_quote_answer(
            quote=quote, by=request.user, accepted=d["answer"] == "accepted"
        ),
        _("The customer's answer is recorded."),
        QuoteAnswerForm(request.POST),
    )


@login_required
@require_POST
def quote_revise(request, pk: int):
    quote = _quote(request, pk)
    form = ReviseForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(_quote_url(quote))
    try:
        revised = services.revise_quote(
            quote=quote, by=request.user, valid_until=form.cleaned_data["valid_until"]
        )
    except DomainError as exc:
        flash_refusal(request, exc)
        return redirect(_quote_url(quote))
    messages.success(
        request,
        _("Version %(version)s drafted from %(number)s; edit it and send it again.")
        % {"version": revised.version, "number": quote.number},
    )
    return redirect(_quote_url(revised))


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
    page = Paginator(contract_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
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
    if not contract.is_editable:
        messages.info(
            request, _("Only a draft contract is edited; a signed one changes by change request.")
        )
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


def _review_view(user, contract: Contract) -> dict | None:
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
    can_decide = contract.state == ContractState.IN_REVIEW and deals.may_decide(user, review)
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


def _change_rows(user, contract: Contract, can_steer: bool, manager: bool) -> list[dict]:
    opportunity = contract.opportunity
    rows = []
    changes = contract.changes.select_related("requested_by", "decided_by").order_by(
        "-requested_at", "-id"
    )
    for change in changes:
        requested = change.state == ChangeState.REQUESTED
        mine = []
        if requested and not change.fr_assessment.strip():
            if user.pk == opportunity.fulfillment_owner_id or manager:
                mine.append("fr_assessment")
        if requested and not change.sr_assessment.strip():
            if user.pk == opportunity.solution_owner_id or manager:
                mine.append("sr_assessment")
        can_decide = manager and user.pk != opportunity.owner_id
        rows.append(
            {
                "change": change,
                "assess_form": ChangeAssessForm(assessments=mine, auto_id=f"change{change.pk}-%s")
                if mine
                else None,
                "can_approve": can_decide and change.state == ChangeState.REVIEWED,
                "can_reject": can_decide
                and change.state in (ChangeState.REQUESTED, ChangeState.REVIEWED),
                "can_apply": can_steer and change.state == ChangeState.APPROVED,
            }
        )
    return rows


@login_required
def contract_detail(request, pk: int):
    user = request.user
    contract = _contract(request, pk)
    opportunity = contract.opportunity
    state = contract.state
    can_work = deals.works_on(user, opportunity)
    can_steer = deals.may_steer(user, opportunity)
    manager = deals.manages_deal(user, opportunity)
    evaluation = getattr(contract, "evaluation", None)
    executing = state == ContractState.EXECUTING
    draft = state == ContractState.DRAFT
    who = commercial_fields.parties(user, contract)
    may_cost = commercial_fields.access(user, contract, "cost_amount", who=who)
    may_clear = commercial_fields.access(user, contract, "is_risky", who=who)
    context = {
        "contract": contract,
        "opportunity": opportunity,
        "title": _("Contract %(number)s") % {"number": contract.number},
        "terms": [(term, term.amount_of(contract.amount)) for term in contract.terms.all()],
        "terms_total": contract.terms_total(),
        "review": _review_view(user, contract),
        "escalated": services.is_escalated(contract),
        "escalation_reasons": services.escalation_reasons(contract) if draft else [],
        "cost_form": ContractCostForm(
            initial={"cost_amount": contract.cost_amount, "note": contract.cost_note},
            auto_id="cost-%s",
        )
        if draft and may_cost == commercial_fields.SET
        else None,
        "clear_risk_form": ClearRiskForm(auto_id="clear-risk-%s")
        if draft and contract.is_risky and may_clear == commercial_fields.SET
        else None,
        "quote_visible": contract.quote_id is not None
        and Quote.objects.visible_to(user).filter(pk=contract.quote_id).exists(),
        "evaluation": evaluation,
        "versions": contract.versions.select_related("created_by").order_by("-version"),
        "changes": _change_rows(user, contract, can_steer, manager),
        "timeline": transitions_of(contract)[:100],
        "can_edit": can_steer and contract.is_editable,
        "can_submit": can_steer and state == ContractState.DRAFT,
        "submit_missing": unmet(contract, "submit") if state == ContractState.DRAFT else [],
        "can_sign": can_steer and state == ContractState.APPROVED,
        "sign_missing": unmet(contract, "sign") if state == ContractState.APPROVED else [],
        "can_accept": state == ContractState.SIGNED
        and (user.pk == opportunity.fulfillment_owner_id or manager),
        "accept_missing": unmet(contract, "accept") if state == ContractState.SIGNED else [],
        "can_evaluate": can_work and executing,
        "can_close": can_steer and executing,
        "close_missing": unmet(contract, "close") + services.close_missing(contract)
        if executing
        else [],
        "can_cancel": can_steer and state in CANCELLABLE,
        "can_request_change": can_steer
        and state in (ContractState.SIGNED, ContractState.EXECUTING),
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
        ChangeRequest.objects.filter(
            contract__in=Contract.objects.visible_to(request.user)
        ).select_related("contract"),
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


# The managers' inbox -----------------------------------------------------------------------------
@login_required
def approvals(request):
    """What waits for this manager: discounts to approve, contract reviews to decide (escalated
    ones whose first approver they manage included), reviewed change requests."""
    waiting = selectors.approvals_waiting(request.user)
    quotes = (
        waiting["quotes"]
        .select_related("opportunity", "opportunity__customer", "opportunity__owner")
        .order_by("created_at", "id")[:200]
    )
    contracts = (
        waiting["contracts"]
        .select_related(
            "customer", "opportunity", "opportunity__owner", "review", "review__first_approved_by"
        )
        .order_by("review__requested_at", "id")[:200]
    )
    changes = (
        waiting["changes"]
        .select_related("contract", "contract__customer", "requested_by")
        .order_by("requested_at", "id")[:200]
    )
    return render(
        request,
        "contracts/approvals.html",
        {
            "quotes": quotes,
            "contracts": contracts,
            "changes": changes,
            "title": _("Approvals"),
        },
    )
