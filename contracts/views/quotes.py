"""The quote pages: editor, detail, print, and the actions on a quote."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError, InvalidInput
from ltc.core.money import format_money
from ltc.core.views import flash_form_errors, flash_refusal, run_post
from opportunities.forms import DecideForm
from opportunities.models import Opportunity
from products.models import PriceBook, PriceBookEntry

from .. import pricing, services
from ..forms import (
    QuoteAnswerForm,
    QuoteCostsForm,
    QuoteForm,
    QuoteLineFormSet,
    ReviseForm,
)
from ..models import (
    CommercialPolicy,
    Quote,
    QuoteState,
)
from ._common import QUOTE_VALIDITY_DAYS, _company_name, _deal, _show_refusal

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
    # Over 60 lines on purpose: the GET/POST round trip of a form and its formset, refusals kept
    # next to their fields.
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
                % {
                    "number": saved.number,
                    "total": format_money(saved.total),
                    "currency": saved.currency,
                },
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
    edit = services.quote_actions(request.user, quote)["edit"]
    if edit.missing:  # not a draft: the rule's sentence (who may is the service's refusal)
        messages.info(request, str(edit.detail))
        return redirect(_quote_url(quote))
    return _quote_editor(request, quote.opportunity, quote)


def _quote_lines(quote: Quote, threshold) -> list:
    lines = list(quote.lines.select_related("product"))
    for line in lines:
        line.over_threshold = pricing.line_needs_approval(line, threshold)
    return lines


@login_required
def quote_detail(request, pk: int):
    # Over 60 lines on purpose: the page's context, block by block; each block is a few lines and
    # used only here.
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
    state = quote.state
    # The buttons come from the one rule (services.quote_actions) the services ask: shown when
    # this user may and the quote is in a state the action starts from, with what it still misses.
    actions = services.quote_actions(user, quote)
    can_send = services.offered(actions["send"])
    lines = _quote_lines(quote, threshold)
    context = {
        "quote": quote,
        "opportunity": opportunity,
        "title": _("Quote %(number)s") % {"number": quote.number},
        "lines": lines,
        "uncosted": sum(1 for line in lines if line.unit_cost is None),
        "costs_form": QuoteCostsForm(lines=lines, auto_id="costs-%s") if actions["costs"] else None,
        "threshold": threshold,
        "approval_reasons": pricing.approval_reasons(
            lines, subtotal=quote.subtotal, total=quote.total, threshold=threshold
        )
        if state in (QuoteState.DRAFT, QuoteState.PENDING_APPROVAL)
        else [],
        "versions": versions,
        "latest": latest,
        "is_latest": latest.pk == quote.pk,
        "actions": actions,
        "can_edit": bool(actions["edit"]),
        # A quote whose discounts need no approval is sent directly: no submit button.
        "can_submit": services.offered(actions["submit"], "needs_approval"),
        "submit_missing": actions["submit"].missing if state == QuoteState.DRAFT else [],
        "can_decide": bool(actions["approve"]),
        "can_send": can_send,
        "send_missing": actions["send"].missing if can_send else [],
        "can_answer": bool(actions["accept"]),
        "can_revise": bool(actions["revise"]) and latest.pk == quote.pk,
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
