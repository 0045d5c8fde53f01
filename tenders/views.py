"""The tender pages: the list (scoped, paged), the page of one tender with its bid team, its
deadlines, its documents and the actions the viewer may take, and the form from the deal page.
Every change is a service call; refusals come back as messages listing every missing item."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError
from ltc.core.pages import keyset_page
from ltc.core.views import flash_form_errors, run_post
from ltc.org.models import User
from opportunities.models import Opportunity

from . import rules, selectors, services
from .forms import BondReturnForm, CancelForm, LoseForm, SubmitForm, TaskForm, TenderForm, WinForm
from .models import Tender, TenderState, TenderTask

PAGE_SIZE = 50


def _tender(request, pk: int):
    try:
        return selectors.tender_for(request.user, pk)
    except Tender.DoesNotExist:  # invisible is a 404
        raise Http404("tender") from None


@login_required
def tender_list(request):
    state = request.GET.get("state", "")
    state = state if state in selectors.STATE_FILTERS else ""
    tenders = selectors.tenders_for(request.user, state=state)
    page = keyset_page(request, tenders, size=PAGE_SIZE)
    return render(
        request,
        "tenders/list.html",
        {
            "page": page,
            "state": state,
            "states": [*TenderState.choices, ("bond_outstanding", _("Bond outstanding"))],
            "title": _("Tenders"),
        },
    )


@login_required
def detail(request, pk: int):
    tender = _tender(request, pk)
    can = rules.allowed(request.user, tender)
    tasks = list(tender.tasks.select_related("member"))
    for task in tasks:
        task.can_complete = task.done_at is None and (
            task.member_id == request.user.pk or can["team"]
        )
    context = {
        "tender": tender,
        "opportunity": tender.opportunity,
        "title": tender.number,
        "can": can,
        "tasks": tasks,
        "history": transitions_of(tender).select_related("actor")[:50],
        "task_form": TaskForm(people=selectors.bid_team_candidates(tender), auto_id="task-%s")
        if can["team"]
        else None,
        "submit_form": SubmitForm(
            initial={"price": tender.submitted_price, "currency": tender.price_currency},
            auto_id="submit-%s",
        ),
        "win_form": WinForm(auto_id="win-%s"),
        "lose_form": LoseForm(
            initial={"winning_currency": tender.price_currency}, auto_id="lose-%s"
        ),
        "cancel_form": CancelForm(auto_id="cancel-%s"),
        "bond_form": BondReturnForm(auto_id="bond-%s"),
    }
    return render(request, "tenders/detail.html", context)


def _form_page(request, form, *, opportunity, tender=None):
    return render(
        request,
        "tenders/form.html",
        {
            "form": form,
            "opportunity": opportunity,
            "tender": tender,
            "title": _("Edit the tender") if tender else _("New tender"),
        },
    )


@login_required
def create(request, opportunity_pk: int):
    opportunity = get_object_or_404(
        Opportunity.objects.visible_to(request.user).select_related("owner"), pk=opportunity_pk
    )
    if not rules.may_open_tender(request.user, opportunity):
        raise Http404("tender")
    currency = opportunity.currency
    form = TenderForm(
        request.POST or None, initial={"bond_currency": currency, "price_currency": currency}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                tender = services.create_tender(
                    opportunity=opportunity, by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                return redirect("tenders:detail", pk=tender.pk)
    return _form_page(request, form, opportunity=opportunity)


def _form_error(form, exc: DomainError) -> None:
    field = getattr(exc, "field", None)
    text = exc.detail
    if exc.missing:
        text = f"{exc.detail} " + "; ".join(str(m.label) for m in exc.missing)
    form.add_error(field if field in form.fields else None, str(text))


@login_required
def edit(request, pk: int):
    tender = _tender(request, pk)
    if not rules.allowed(request.user, tender)["edit"]:
        raise Http404("tender")
    fields = ("number", "issuer", "questions_due_at", "submission_due_at", "bond_amount")
    initial = {name: getattr(tender, name) for name in fields}
    initial.update(bond_currency=tender.bond_currency, price_currency=tender.price_currency)
    form = TenderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_tender(tender=tender, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("tenders:detail", pk=tender.pk)
    return _form_page(request, form, opportunity=tender.opportunity, tender=tender)


def _back(tender) -> str:
    return reverse("tenders:detail", args=[tender.pk])


@login_required
@require_POST
def add_task(request, pk: int):
    tender = _tender(request, pk)
    form = TaskForm(request.POST, people=selectors.bid_team_candidates(tender))
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(_back(tender))

    def run(data):
        member = User.objects.filter(pk=data.pop("member")).first()
        services.add_task(tender=tender, by=request.user, member=member, **data)

    return run_post(request, _back(tender), lambda _data: run(form.cleaned_data), _("Task added."))


@login_required
@require_POST
def complete_task(request, pk: int, task_pk: int):
    tender = _tender(request, pk)
    task = get_object_or_404(TenderTask.objects.filter(tender=tender), pk=task_pk)
    return run_post(
        request,
        _back(tender),
        lambda _data: services.complete_task(task=task, by=request.user),
        _("Task done."),
    )


@login_required
@require_POST
def submit(request, pk: int):
    tender = _tender(request, pk)
    return run_post(
        request,
        _back(tender),
        lambda data: services.submit_tender(tender=tender, by=request.user, **data),
        _("The bid is submitted."),
        form=SubmitForm(request.POST),
    )


@login_required
@require_POST
def win(request, pk: int):
    tender = _tender(request, pk)
    return run_post(
        request,
        _back(tender),
        lambda data: services.win_tender(tender=tender, by=request.user, **data),
        _("The tender is won."),
        form=WinForm(request.POST),
    )


@login_required
@require_POST
def lose(request, pk: int):
    tender = _tender(request, pk)
    return run_post(
        request,
        _back(tender),
        lambda data: services.lose_tender(tender=tender, by=request.user, **data),
        _("The loss is recorded."),
        form=LoseForm(request.POST),
    )


@login_required
@require_POST
def cancel(request, pk: int):
    tender = _tender(request, pk)
    return run_post(
        request,
        _back(tender),
        lambda data: services.cancel_tender(tender=tender, by=request.user, **data),
        _("The tender is cancelled."),
        form=CancelForm(request.POST),
    )


@login_required
@require_POST
def return_bond(request, pk: int):
    tender = _tender(request, pk)
    return run_post(
        request,
        _back(tender),
        lambda data: services.return_bond(tender=tender, by=request.user, **data),
        _("The bond return is recorded."),
        form=BondReturnForm(request.POST),
    )
