"""The leads pages. Same services and scoping as the API; views only translate errors."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.activity.services import activities_of, transitions_of
from ltc.core.errors import DomainError
from ltc.core.pages import keyset_page
from ltc.core.tables import sort_by
from ltc.core.views import flash_form_errors, flash_refusal, safe_next
from ltc.org.models import Role, User
from ltc.org.scoping import managed_users, visible_users

from . import import_jobs, importing, services
from .claims import claim_blockers
from .filters import LeadFilter
from .forms import (
    AssignForm,
    DisqualifyForm,
    FollowUpForm,
    ImportForm,
    LeadForm,
    MergeForm,
    ReleaseForm,
    ValidateForm,
)
from .models import ImportState, Lead, LeadImport, LeadState, Source
from .scoring import reason_label

PAGE_SIZE = 50


def _page(request, qs):
    return keyset_page(request, qs, size=PAGE_SIZE)


# Column headers that sort the lead tables (ltc.core.tables): key → field.
SORTS = {
    "score": "score",
    "title": "title",
    "company": "company_name",
    "amount": "estimated_amount",
    "state": "state",
    "due": "follow_up_due_at",
}


def _list(request, qs, template: str, title: str, **extra):
    qs, sorting = sort_by(request, qs, SORTS)
    lead_filter = LeadFilter(request.GET or None, queryset=qs, request=request)
    page = _page(request, lead_filter.qs)
    now = timezone.now()
    context = {
        "filter": lead_filter,
        "page": page,
        "sorting": sorting,
        "title": title,
        "now": now,
        "soon": now + timedelta(days=1),
    }
    if extra.get("can_claim"):
        # A "Claim" the rep may not use shows why, by the rule the claim service enforces.
        blockers = claim_blockers(request.user, page.object_list, now)
        for lead in page.object_list:
            lead.claim_blockers = blockers.get(lead.pk, [])
    return render(request, template, {**context, **extra})


@login_required
def pool(request):
    qs = Lead.objects.in_pool_of(request.user).for_list().order_by("-score", "-id")
    return _list(
        request,
        qs,
        "leads/pool.html",
        _("Lead pool"),
        can_claim=request.user.role in services.CLAIMERS,
    )


@login_required
def mine(request):
    qs = (
        Lead.objects.filter(owner=request.user, state__in=[LeadState.ASSIGNED, LeadState.VALIDATED])
        .for_list()
        .order_by("follow_up_due_at", "-score")
    )
    return _list(request, qs, "leads/mine.html", _("My leads"))


@login_required
def lead_list(request):
    qs = Lead.objects.visible_to(request.user).for_list().order_by("-created_at", "-id")
    return _list(request, qs, "leads/list.html", _("All leads"))


def _assignable_users(user):
    if user.is_superuser or user.role in {Role.ADMIN, Role.MARKETING}:
        return visible_users(user)
    return User.objects.filter(Q(pk__in=managed_users(user)) | Q(pk=user.pk))


@login_required
def detail(request, pk: int):
    lead = get_object_or_404(
        Lead.objects.visible_to(request.user).select_related(
            "pool", "owner", "campaign", "duplicate_of", "created_by"
        ),
        pk=pk,
    )
    timeline = sorted(
        [("activity", a.occurred_at, a) for a in activities_of(lead)[:100]]
        + [("transition", t.at, t) for t in transitions_of(lead)[:100]],
        key=lambda item: item[1],
        reverse=True,
    )
    user = request.user
    can_work = services.works_on(user, lead)
    # The buttons come from the one rule (services.lead_actions) the services refuse with.
    actions = services.lead_actions(user, lead)
    context = {
        "lead": lead,
        "timeline": timeline,
        "reasons": [(reason_label(r), r["points"]) for r in lead.score_reasons],
        "actions": actions,
        "can_claim": bool(actions["claim"]),
        "can_assign": bool(actions["assign"]),
        "can_work": can_work,
        "can_edit": bool(actions["edit"]),
        "can_disqualify": bool(actions["disqualify"]),
        "follow_up_form": FollowUpForm(auto_id="follow_up_%s"),
        "validate_form": ValidateForm(
            initial={"need": lead.need, "budget_confirmed": lead.budget_confirmed},
            auto_id="validate_%s",
        ),
        "disqualify_form": DisqualifyForm(auto_id="disqualify_%s"),
        "release_form": ReleaseForm(auto_id="release_%s"),
        "assign_form": AssignForm(users=_assignable_users(user), auto_id="assign_%s"),
        "merge_form": MergeForm(initial={"into": lead.duplicate_of_id}, auto_id="merge_%s"),
        "validate_missing": services.unmet_for_validation(lead)
        if lead.state == LeadState.ASSIGNED
        else [],
        "now": timezone.now(),
        "soon": timezone.now() + timedelta(days=1),
    }
    return render(request, "leads/detail.html", context)


@login_required
def create(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.create_lead(
                by=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                _("Lead “%(title)s” created in %(pool)s.")
                % {"title": lead.title, "pool": lead.pool},
            )
            if lead.duplicate_of_id:
                messages.warning(
                    request,
                    _("It looks like a duplicate of lead #%(id)s.") % {"id": lead.duplicate_of_id},
                )
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "title": _("New lead")})


@login_required
def edit(request, pk: int):
    lead = get_object_or_404(Lead.objects.visible_to(request.user), pk=pk)
    form = LeadForm(request.POST or None, instance=Lead.objects.get(pk=lead.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lead(
                lead=lead, by=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, _("Lead saved."))
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "title": _("Edit lead"), "lead": lead})


@login_required
def import_leads(request):
    """Upload a file: it becomes an import job run by Celery (see ``leads.import_jobs``)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job, created = import_jobs.start_import(
                upload=form.cleaned_data["file"], by=request.user
            )
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            if created:
                messages.success(request, _("The file is queued for import."))
            else:
                messages.info(request, _("You already uploaded this file; here is its import."))
            return redirect("leads:import_job", pk=job.pk)
    jobs = LeadImport.objects.visible_to(request.user).select_related("uploaded_by")[:20]
    return render(
        request,
        "leads/import.html",
        {
            "form": form,
            "jobs": jobs,
            "title": _("Import leads"),
            "columns": [importing.column_label(name) for name in importing.COLUMNS],
            "sources": [label for _code, label in Source.choices],
        },
    )


IMPORT_ROWS_PER_PAGE = 50


def _visible_import(request, pk) -> LeadImport:
    return get_object_or_404(
        LeadImport.objects.visible_to(request.user).select_related("uploaded_by"), pk=pk
    )


def _import_progress_context(request, job) -> dict:
    return {
        "job": job,
        "finished": job.state in (ImportState.DONE, ImportState.FAILED),
        "may_resume": import_jobs.may_resume(request.user, job) and import_jobs.is_resumable(job),
    }


@login_required
def import_job(request, pk):
    job = _visible_import(request, pk)
    rows = Paginator(
        job.rows.only(
            "row", "outcome", "title", "lead_id", "duplicate_of_id", "errors", "job_id"
        ).order_by("row"),
        IMPORT_ROWS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = _import_progress_context(request, job)
    context.update({"rows": rows, "title": _("Lead import %(name)s") % {"name": job.name}})
    return render(request, "leads/import_job.html", context)


@login_required
def import_progress(request, pk):
    """The progress fragment htmx polls; when the job has just finished, the whole page reloads
    (HX-Refresh) to list every row's outcome."""
    job = _visible_import(request, pk)
    response = render(
        request, "leads/_import_progress.html", _import_progress_context(request, job)
    )
    if request.GET.get("was") != job.state and job.state in (ImportState.DONE, ImportState.FAILED):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_resume(request, pk):
    job = _visible_import(request, pk)
    try:
        import_jobs.resume_import(job=job, by=request.user)
    except DomainError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("The import will continue after the last row it recorded."))
    return redirect("leads:import_job", pk=job.pk)


# Actions: POST only, a flash message after each, back to the lead (or where the user came from).
def _action(request, pk: int, run, success: str, form_class=None, to_detail=True, scope=None):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    scope = scope if scope is not None else Lead.objects.visible_to(request.user)
    lead = get_object_or_404(scope.select_related("pool", "owner"), pk=pk)
    data = {}
    if form_class is not None:
        form = form_class(
            request.POST,
            **({"users": _assignable_users(request.user)} if form_class is AssignForm else {}),
        )
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect("leads:detail", pk=lead.pk)
        data = form.cleaned_data
    try:
        result = run(lead, data)
    except DomainError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, success)
        if isinstance(result, Lead) and result.pk != lead.pk:  # a merge lands on the lead kept
            return redirect("leads:detail", pk=result.pk)
    target = safe_next(request)
    if target:
        return redirect(target)
    if not to_detail or not Lead.objects.visible_to(request.user).filter(pk=lead.pk).exists():
        return redirect("leads:pool")
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_POST
def claim(request, pk):
    return _action(
        request,
        pk,
        lambda lead, d: services.claim_lead(lead=lead, user=request.user),
        _("Lead claimed: it is yours now."),
        scope=Lead.objects.claimable_by(request.user),
    )


@login_required
@require_POST
def assign(request, pk):
    return _action(
        request,
        pk,
        lambda lead, d: services.assign_lead(lead=lead, owner=d["owner"], by=request.user),
        _("Lead assigned."),
        AssignForm,
    )


@login_required
@require_POST
def release(request, pk):
    return _action(
        request,
        pk,
        lambda lead, d: services.release_lead(lead=lead, user=request.user, reason=d["reason"]),
        _("Lead released to the pool."),
        ReleaseForm,
    )


@login_required
@require_POST
def follow_up(request, pk):
    return _action(
        request,
        pk,
        lambda lead, d: services.log_follow_up(lead=lead, user=request.user, **d),
        _("Follow-up logged; the clock starts again."),
        FollowUpForm,
    )


@login_required
@require_POST
def validate(request, pk):
    return _action(
        request,
        pk,
        lambda lead, d: services.validate_lead(lead=lead, user=request.user, **d),
        _("Lead validated."),
        ValidateForm,
    )


@login_required
@require_POST
def disqualify(request, pk):
    return _action(
        request,
        pk,
        lambda lead, d: services.disqualify_lead(lead=lead, user=request.user, **d),
        _("Lead disqualified."),
        DisqualifyForm,
    )


def _merge_picks(request) -> dict[str, str]:
    return {
        name: request.POST[f"pick_{name}"]
        for name, _label in services.MERGE_FIELDS
        if request.POST.get(f"pick_{name}")
    }


@login_required
@require_POST
def merge(request, pk):
    def run(lead, data):
        into = get_object_or_404(Lead.objects.visible_to(request.user), pk=data["into"])
        return services.merge_leads(
            duplicate=lead, into=into, user=request.user, picks=_merge_picks(request)
        )

    return _action(request, pk, run, _("Leads merged."), MergeForm)


@login_required
def merge_compare(request, pk):
    """Both leads side by side, a choice per field; the form posts to ``merge``."""
    visible = Lead.objects.visible_to(request.user).select_related("campaign", "owner")
    lead = get_object_or_404(visible, pk=pk)
    form = MergeForm(request.GET or None, initial={"into": lead.duplicate_of_id})
    into = None
    if form.is_valid():
        into = visible.exclude(pk=lead.pk).filter(pk=form.cleaned_data["into"]).first()
        if into is None:
            form.add_error("into", _("Pick another lead you can see."))
    rows = []
    if into is not None:
        for name, label in services.MERGE_FIELDS:
            mine, theirs = getattr(into, name), getattr(lead, name)
            rows.append(
                {
                    "name": name,
                    "label": label,
                    "into": mine,
                    "duplicate": theirs,
                    "same": mine == theirs,
                    "default": "duplicate" if not mine and theirs else "into",
                }
            )
    return render(
        request,
        "leads/merge.html",
        {
            "lead": lead,
            "into": into,
            "rows": rows,
            "form": form,
            "may_merge": into is not None and services.may_merge(request.user, lead, into),
            "title": _("Merge lead #%(id)s") % {"id": lead.pk},
        },
    )
