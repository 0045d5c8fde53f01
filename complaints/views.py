"""The complaint pages: the list, opening one from a customer, contract or order, and its page
with the timeline and the buttons ``rules.actions_for`` allows. Same services and scoping as the
API; refusals come back as messages listing every missing item."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.errors import DomainError
from ltc.core.pages import keyset_page
from ltc.core.views import run_post
from ltc.org.models import Role
from ltc.org.scoping import visible_users

from . import rules, services
from .filters import ComplaintFilter
from .forms import CloseForm, CommentForm, ComplaintForm, ReassignForm, ReopenForm, ResolveForm
from .models import Complaint, CustomerConfirmation
from .selectors import timeline

PAGE_SIZE = 50


def _subject_models():
    from contracts.models import Contract
    from delivery.models import Order
    from ltc.customers.models import Customer

    return {"customer": Customer, "contract": Contract, "order": Order}


def _complaint(request, pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related(
            "customer", "contract", "order", "unit", "owner", "opened_by", "confirmation"
        ),
        pk=pk,
    )


@login_required
def complaint_list(request):
    qs = Complaint.objects.visible_to(request.user).for_list().order_by("-opened_at", "-id")
    complaint_filter = ComplaintFilter(request.GET or None, queryset=qs, request=request)
    fields = complaint_filter.form.fields
    for name in ("customer", "contract", "order", "owner", "opened_from", "opened_to"):
        if not request.GET.get(name):
            del fields[name]  # shown when a drill-down or a record's panel asks for them
    page = keyset_page(request, complaint_filter.qs, size=PAGE_SIZE)
    now = timezone.now()
    for row in page.object_list:
        row.late = row.breached(now)
    return render(
        request,
        "complaints/list.html",
        {"filter": complaint_filter, "page": page, "title": _("Complaints")},
    )


@login_required
def complaint_create(request, kind: str, pk: int):
    model = _subject_models().get(kind)
    if model is None:
        raise Http404("kind")
    record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    if not rules.may_open(request.user):
        raise Http404("role")
    units = record.units.order_by("id") if kind == "order" else None
    form = ComplaintForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit", None)
        try:
            complaint = services.open_complaint(
                by=request.user, unit=unit, **{kind: record}, **data
            )
        except DomainError as exc:
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, str(exc.detail))
        else:
            messages.success(
                request,
                _("Complaint %(number)s opened; %(owner)s owns it.")
                % {"number": complaint.number, "owner": complaint.owner},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    return render(
        request,
        "complaints/form.html",
        {
            "form": form,
            "record": record,
            "kind": kind,
            "sla": _sla_rows(),
            "title": _("New complaint on %(record)s") % {"record": record},
        },
    )


def _sla_rows():
    from .models import Severity, SlaPolicy

    rows = {p.severity: p for p in SlaPolicy.objects.all()}
    return [
        {
            "severity": label,
            "hours": (
                (rows[value].response_hours, rows[value].resolution_hours)
                if value in rows
                else services.DEFAULT_SLA[Severity(value)]
            ),
        }
        for value, label in Severity.choices
    ]


@login_required
def complaint_detail(request, pk: int):
    complaint = _complaint(request, pk)
    actions = rules.actions_for(request.user, complaint)
    context = {
        "complaint": complaint,
        "actions": actions,
        "late": complaint.breached(timezone.now()),
        "timeline": timeline(complaint),
        "confirmations": list(
            CustomerConfirmation.objects.filter(complaint=complaint).select_related(
                "recorded_by", "contact"
            )
        ),
        "title": complaint.number,
    }
    if "close" in actions:
        context["close_form"] = CloseForm(contacts=complaint.customer.contacts.order_by("name"))
    if "reassign" in actions:
        context["reassign_form"] = ReassignForm(people=_people(request.user))
    return render(request, "complaints/detail.html", context)


def _people(user):
    return visible_users(user).exclude(role=Role.INTEGRATION).order_by("username")


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    complaint = _complaint(request, pk)
    back = reverse("complaints:detail", args=[complaint.pk])
    by = request.user
    if action == "start":
        return run_post(
            request,
            back,
            lambda d: services.start_complaint(complaint=complaint, by=by, comment=d["comment"]),
            _("Work on the complaint started."),
            form=CommentForm(request.POST),
        )
    if action == "resolve":
        return run_post(
            request,
            back,
            lambda d: services.resolve_complaint(complaint=complaint, by=by, **d),
            _("The complaint is resolved; close it when the customer confirms."),
            form=ResolveForm(request.POST),
        )
    if action == "close":
        form = CloseForm(request.POST, contacts=complaint.customer.contacts.all())
        return run_post(
            request,
            back,
            lambda d: services.close_complaint(complaint=complaint, by=by, **d),
            _("The complaint is closed with the customer's confirmation."),
            form=form,
        )
    if action == "reopen":
        return run_post(
            request,
            back,
            lambda d: services.reopen_complaint(complaint=complaint, by=by, **d),
            _("The complaint is reopened."),
            form=ReopenForm(request.POST),
        )
    if action == "reassign":
        return run_post(
            request,
            back,
            lambda d: services.reassign_complaint(complaint=complaint, by=by, **d),
            _("The complaint has a new owner."),
            form=ReassignForm(request.POST, people=_people(by)),
        )
    raise Http404("action")
