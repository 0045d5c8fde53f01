"""The partner portal (partner users only) and the channel manager's registration pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError, InvalidInput
from ltc.core.pages import keyset_page
from ltc.core.views import flash_form_errors, flash_refusal
from ltc.org.scoping import is_partner_user

from . import rules, services
from .filters import RegistrationFilter
from .forms import AcceptForm, RegistrationForm, RejectForm
from .models import DealRegistration, RegistrationState
from .querysets import partner_id_of
from .selectors import conflicts_of

PAGE_SIZE = 50
PORTAL_ROWS = 200


def _partner_only(request) -> None:
    if not (is_partner_user(request.user) and partner_id_of(request.user)):
        raise Http404


def _registrations(user):
    return DealRegistration.objects.visible_to(user).for_list().select_related("opportunity__stage")


# The portal ------------------------------------------------------------------------------------
@login_required
def portal(request):
    _partner_only(request)
    rows = list(_registrations(request.user)[:PORTAL_ROWS])
    return render(
        request,
        "partners/portal.html",
        {
            "registrations": rows,
            "deals": [r for r in rows if r.opportunity_id],
            "partner": rows[0].partner if rows else None,
        },
    )


@login_required
def portal_register(request):
    _partner_only(request)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.register_deal(by=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.detail))
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, _("The deal is registered; the channel manager decides."))
            return redirect("partners:portal_detail", registration.pk)
    return render(request, "partners/portal_register.html", {"form": form})


@login_required
def portal_detail(request, pk: int):
    _partner_only(request)
    registration = get_object_or_404(_registrations(request.user), pk=pk)
    return render(request, "partners/portal_detail.html", {"registration": registration})


# The channel manager's pages ------------------------------------------------------------------
@login_required
def registration_list(request):
    if is_partner_user(request.user):
        raise Http404
    found = RegistrationFilter(request.GET or None, queryset=_registrations(request.user))
    if found.is_bound and not found.is_valid():
        flash_form_errors(request, found.form)
        queryset = _registrations(request.user).none()
    else:
        queryset = found.qs
    page = keyset_page(request, queryset, size=PAGE_SIZE)
    return render(
        request,
        "partners/registration_list.html",
        {"filter": found, "page": page, "states": RegistrationState.choices},
    )


@login_required
def registration_detail(request, pk: int):
    if is_partner_user(request.user):
        raise Http404
    registration = get_object_or_404(_registrations(request.user), pk=pk)
    may_decide = rules.may_decide(request.user, registration)
    return render(
        request,
        "partners/registration_detail.html",
        {
            "registration": registration,
            "may_decide": may_decide,
            "conflicts": conflicts_of(registration) if may_decide else [],
            "accept_form": AcceptForm(user=request.user, initial={"owner": registration.owner_id}),
            "reject_form": RejectForm(),
            "timeline": transitions_of(registration),
            "open": registration.state
            in (RegistrationState.SUBMITTED, RegistrationState.IN_REVIEW),
        },
    )


def _decide(request, pk: int, act) -> object:
    if is_partner_user(request.user):
        raise Http404
    registration = get_object_or_404(DealRegistration.objects.visible_to(request.user), pk=pk)
    try:
        act(registration)
    except DomainError as exc:
        flash_refusal(request, exc)
    return redirect("partners:registration_detail", pk)


@login_required
@require_POST
def accept(request, pk: int):
    def act(registration):
        form = AcceptForm(request.POST, user=request.user)
        if not form.is_valid():
            flash_form_errors(request, form)
            return
        services.accept_registration(
            registration=registration,
            by=request.user,
            owner=form.cleaned_data["owner"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Accepted: the E deal is created and protected."))

    return _decide(request, pk, act)


@login_required
@require_POST
def reject(request, pk: int):
    def act(registration):
        form = RejectForm(request.POST)
        if not form.is_valid():
            flash_form_errors(request, form)
            return
        services.reject_registration(
            registration=registration, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The registration is rejected."))

    return _decide(request, pk, act)


@login_required
@require_POST
def renew(request, pk: int):
    def act(registration):
        services.renew_registration(registration=registration, by=request.user)
        messages.success(request, _("The protection is renewed."))

    return _decide(request, pk, act)
