"""One deal's pages: its page, moving it, creating it (directly or from a lead) and editing it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from leads.models import Lead, LeadState
from leads.services import works_on as works_on_lead
from ltc.activity.models import Notification
from ltc.core.context_processors import UNREAD_ON_REQUEST
from ltc.core.errors import DomainError
from ltc.core.normalize import company_key
from ltc.core.views import flash_refusal
from ltc.customers.models import Customer
from ltc.security.redirects import safe_next_url

from .. import requirements, services, tracks
from ..forms import (
    ActivityForm,
    CompetitorForm,
    ConvertForm,
    DecisionChainForm,
    LoseForm,
    OpportunityCreateForm,
    OpportunityEditForm,
    RegradeForm,
    ReviewRequestForm,
)
from ..models import Grade, GradingPolicy, Opportunity
from ._common import (
    DETAIL_RELATED,
    _detail_url,
    _flash_sent_back,
    _gate_view,
    _get,
    _review_kinds,
    _scope,
)
from .panels import PANELS, render_panel, wanted_panel


@login_required
def detail(request, pk: int):
    """The deal page in ten queries at most, whatever the number of rows (the layout's three,
    the deal with the grading threshold and the viewer's unread count folded in, its tasks,
    decision chain, competitors, reviews, the process's stages with their requirements, and the
    customer's contacts for the chain form); the other panels load right after (``panels``)."""
    panel = wanted_panel(request)
    if panel:
        return render_panel(request, _get(request, pk), panel)
    user = request.user
    opportunity = _get_for_page(request, pk)
    setattr(request, UNREAD_ON_REQUEST, opportunity.viewer_unread)
    actions = services.opportunity_actions(user, opportunity)
    tasks = _tasks(user, opportunity)
    my_assessments = [
        field
        for role, field in services.ASSESSMENT_BY_ROLE.items()
        if services.role_user_id(opportunity, role) == user.pk
    ]
    # Read once: the page lists them, and the gates' facts are counted from them.
    chain = list(opportunity.decision_chain.select_related("contact").order_by("id"))
    competitors = list(opportunity.competitors.order_by("id"))
    reviews = list(
        opportunity.reviews.select_related("requested_by", "decided_by").order_by("-requested_at")
    )
    facts = requirements.Facts.of_rows(
        opportunity, chain=chain, competitors=competitors, tasks=tasks, reviews=reviews
    )
    context = {
        "opportunity": opportunity,
        "title": opportunity.name,
        "gates": _gates(opportunity, facts),
        "chain": chain,
        "competitors": competitors,
        "open_tasks": [t for t in tasks if not t.done_at],
        "done_tasks": [t for t in tasks if t.done_at],
        "reviews": reviews,
        "panels": list(PANELS),
        # The buttons come from the one rule (services.opportunity_actions) the services ask.
        "actions": actions,
        "can_work": bool(actions["edit"]),
        "can_steer": bool(actions["advance"]),
        "can_regrade": bool(actions["regrade"]),
        "can_win": bool(actions["win"]),
        **_forms(opportunity, my_assessments),
        "win_missing": services.win_missing(opportunity)
        if opportunity.grade == Grade.E and opportunity.is_open
        else [],
        "track_rule": tracks.track_rule(opportunity.grade, opportunity.policy_b_min)
        if opportunity.is_open
        else "",
    }
    response = render(request, "opportunities/detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _tasks(user, opportunity) -> list:
    """The deal's tasks, each marked with whether ``user`` may tick it off."""
    tasks = list(opportunity.tasks.select_related("assignee", "done_by"))
    manages = services.manages_deal(user, opportunity)
    for task in tasks:
        task.can_complete = (
            opportunity.is_open
            and not task.done_at
            and (user.pk == services.role_user_id(opportunity, task.role) or manages)
        )
    return tasks


def _get_for_page(request, pk: int) -> Opportunity:
    """The deal, with two small facts of other tables folded into its row: the grading policy's
    grade B threshold (the track rule) and the viewer's unread notifications (the header)."""
    unread = (
        Notification.objects.shown_to(request.user)
        .filter(read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    scope = _scope(request).select_related(*DETAIL_RELATED)
    return get_object_or_404(
        scope.annotate(
            policy_b_min=Subquery(GradingPolicy.objects.order_by("id").values("b_min")[:1]),
            viewer_unread=Coalesce(Subquery(unread[:1]), 0),
        ),
        pk=pk,
    )


def _gates(opportunity, facts) -> list[dict]:
    """The next move's gate and, for a fast-track deal in its first stage, the jump to signing;
    the process's stages and requirements read once for both (one query)."""
    if not opportunity.is_open:
        return []
    process = requirements.ProcessRows(opportunity.process_id)
    gates = [_gate_view(opportunity, facts=facts, process=process)]
    stages = process.stages
    if opportunity.is_fast_track and stages and opportunity.stage.order == stages[0].order:
        signing = next((s for s in stages if s.is_signing), None)
        if signing and signing.order > opportunity.stage.order + 1:
            gates.append(_gate_view(opportunity, signing.code, facts=facts, process=process))
    return gates


def _forms(opportunity, my_assessments: list[str]) -> dict:
    # Several forms on one page: distinct ids keep every label tied to its own field.
    return {
        "chain_form": DecisionChainForm(customer=opportunity.customer, auto_id="chain-%s"),
        "competitor_form": CompetitorForm(auto_id="competitor-%s"),
        "activity_form": ActivityForm(auto_id="activity-%s"),
        "lose_form": LoseForm(auto_id="lose-%s"),
        "regrade_form": RegradeForm(auto_id="regrade-%s"),
        "review_form": ReviewRequestForm(
            kinds=_review_kinds(opportunity), assessments=my_assessments, auto_id="review-%s"
        ),
    }


@login_required
def move(request, pk: int):
    """What moving the deal to ``?to_stage=`` still needs; the confirm button only when nothing is
    missing. An htmx partial for the board's dialog, a full page without JavaScript."""
    opportunity = _get(request, pk)
    context = {
        "opportunity": opportunity,
        "title": _("Move “%(name)s”") % {"name": opportunity.name},
        "can_steer": services.may_steer(request.user, opportunity),
        # Rendered as the "Back" link and posted back with the move: only a path of this site.
        "next": safe_next_url(request, request.GET.get("next")) or "",
    }
    if opportunity.is_open:
        gate = _gate_view(opportunity, request.GET.get("to_stage") or None)
        context.update(gate, gate=gate, track_rule=tracks.track_rule(opportunity.grade))
    template = "opportunities/_move.html" if request.htmx else "opportunities/move.html"
    return render(request, template, context)


@login_required
def create(request):
    form = OpportunityCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.create_opportunity(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                _("Opportunity “%(name)s” opened as grade %(grade)s.")
                % {"name": opportunity.name, "grade": opportunity.grade},
            )
            return redirect(_detail_url(opportunity))
    return render(request, "opportunities/form.html", {"form": form, "title": _("New opportunity")})


@login_required
def convert(request, lead_id: int):
    user = request.user
    lead = get_object_or_404(Lead.objects.visible_to(user).select_related("owner"), pk=lead_id)
    if lead.state == LeadState.CONVERTED:
        existing = _scope(request).filter(lead=lead).first()
        messages.info(request, _("This lead is already converted."))
        return redirect(
            _detail_url(existing) if existing else reverse("leads:detail", args=[lead.pk])
        )
    match = (
        Customer.objects.visible_to(user)
        .filter(name_key=company_key(lead.company_name))
        .order_by("id")
        .first()
    )
    initial = {
        "opportunity_name": lead.title,
        "amount": lead.estimated_amount,
        "customer": match,
        "expected_close_date": timezone.localdate() + timedelta(days=90),
    }
    form = ConvertForm(request.POST or None, user=user, lead=lead, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.convert_lead(lead=lead, user=user, **form.cleaned_data)
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                _("Lead converted: opportunity “%(name)s” opened as grade %(grade)s.")
                % {"name": opportunity.name, "grade": opportunity.grade},
            )
            return redirect(_detail_url(opportunity))
    return render(
        request,
        "opportunities/convert.html",
        {
            "form": form,
            "lead": lead,
            "title": _("Convert to an opportunity"),
            "convertible": lead.state == LeadState.VALIDATED and works_on_lead(user, lead),
        },
    )


@login_required
def edit(request, pk: int):
    opportunity = _get(request, pk)
    may_form_triangle = services.may_steer(request.user, opportunity)
    instance = Opportunity.objects.get(pk=opportunity.pk)  # the form writes to its own copy
    form = OpportunityEditForm(
        request.POST or None,
        instance=instance,
        user=request.user,
        may_form_triangle=may_form_triangle,
    )
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            saved = (
                services.update_opportunity(opportunity=opportunity, by=request.user, **changed)
                if changed
                else opportunity
            )
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, _("Opportunity saved."))
            _flash_sent_back(request, saved)
            return redirect(_detail_url(opportunity))
    return render(
        request,
        "opportunities/form.html",
        {
            "form": form,
            "title": _("Edit opportunity"),
            "opportunity": opportunity,
            "track_rule": tracks.track_rule(opportunity.grade),
            "track_warning": tracks.stricter_track_warning(opportunity),
        },
    )
