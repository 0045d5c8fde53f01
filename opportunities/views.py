"""The opportunity pages. Same services and scoping as the API; views only translate errors."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from leads.models import Lead, LeadState
from leads.services import works_on as works_on_lead
from ltc.activity.services import activities_of, transitions_of
from ltc.audit.history import page_of as field_history
from ltc.core.errors import DomainError
from ltc.core.normalize import company_key
from ltc.core.tables import sort_by
from ltc.core.views import flash_refusal, run_post
from ltc.customers.models import Customer
from ltc.customers.services import save_contact
from ltc.org.models import Role, Team
from ltc.org.scoping import visible_users
from ltc.security.redirects import safe_next_url

from . import services, tracks
from .filters import OpportunityFilter
from .forms import (
    ActivityForm,
    AdvanceForm,
    AssessForm,
    CompetitorForm,
    ConvertForm,
    DecideForm,
    DecisionChainForm,
    LoseForm,
    OpportunityCreateForm,
    OpportunityEditForm,
    RegradeForm,
    ReviewRequestForm,
    TaskCompleteForm,
)
from .models import Grade, Opportunity, Process, Review, ReviewKind, ReviewState, Stage
from .querysets import is_past_cadence

PAGE_SIZE = 50
RECENT_REVIEW_DAYS = 30
AR_ROLES = [Role.REP, Role.MANAGER]


def _scope(request):
    return Opportunity.objects.visible_to(request.user)


def _get(request, pk: int) -> Opportunity:
    related = (
        "customer",
        "owner",
        "solution_owner",
        "fulfillment_owner",
        "stage",
        "process",
        "team",
        "lead",
    )
    return get_object_or_404(_scope(request).select_related(*related), pk=pk)


def _detail_url(opportunity) -> str:
    return reverse("opportunities:detail", args=[opportunity.pk])


def _choice_widget(choices) -> forms.Select:
    return forms.Select(choices=[("", "—"), *choices])


def _owner_choices(user) -> list[tuple[int, str]]:
    return [
        (u.pk, str(u)) for u in visible_users(user).filter(role__in=AR_ROLES).order_by("username")
    ]


def _team_choices(user) -> list[tuple[int, str]]:
    team_ids = visible_users(user).exclude(team_id=None).values("team_id")
    return [(t.pk, t.name) for t in Team.objects.filter(pk__in=team_ids).order_by("name")]


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


# Lists ---------------------------------------------------------------------------------------
# Column headers that sort the opportunity list (ltc.core.tables): key → field.
SORTS = {
    "name": "name",
    "customer": "customer__name",
    "amount": "amount",
    "grade": "grade",
    "stage": "stage__order",
    "state": "state",
    "probability": "probability",
    "close": "expected_close_date",
}


@login_required
def opportunity_list(request):
    user = request.user
    qs, sorting = sort_by(request, _scope(request).for_list().order_by("-created_at", "-id"), SORTS)
    opportunity_filter = OpportunityFilter(request.GET or None, queryset=qs, request=request)
    fields = opportunity_filter.form.fields
    # Pick owners, teams and stages by name rather than by id: only those the user may see.
    fields["owner"].widget = _choice_widget(_owner_choices(user))
    fields["team"].widget = _choice_widget(_team_choices(user))
    stages = Stage.objects.select_related("process").order_by("process__for_partner_deals", "order")
    fields["stage"].widget = _choice_widget([(s.code, f"{s.order} {s.name}") for s in stages])
    page = Paginator(opportunity_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "opportunities/list.html",
        {
            "filter": opportunity_filter,
            "page": page,
            "sorting": sorting,
            "title": _("Opportunities"),
            "now": timezone.now(),
        },
    )


def default_process() -> Process | None:
    return (
        Process.objects.filter(for_partner_deals=False).order_by("-is_default", "id").first()
        or Process.objects.order_by("-is_default", "id").first()
    )


BOARD_CARDS_PER_STAGE = 50
# What a card shows (``_cards_html``): the rows are read with these columns only.
BOARD_CARD_FIELDS = (
    "name",
    "amount",
    "currency",
    "grade",
    "stage_id",
    "stage_entered_at",
    "last_visit_at",
    "created_at",
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)

# One card of the board, as templates/opportunities/board.html used to render it per card: the
# page holds up to 50 cards per stage, and the template engine's per-card work (three URL
# reversals, a plural translation, the "Move to…" options of every later stage) was most of
# its time. Every value is escaped here as autoescape would; the translated texts are the
# template's own msgids.
_CARD = (
    '\n      <li class="board-card" draggable="true" data-move-url="{move}" '
    'data-stage-order="{order}">\n'
    '        <a href="{detail}"><strong>{name}</strong></a>\n'
    '        <div class="muted">{customer}</div>\n'
    '        <div>{amount} {currency} · <span class="grade grade-{grade}" title="{grade_label}">'
    "{grade}</span></div>\n"
    '        <div class="muted">{owner} · {days}</div>\n'
    "        {warning}\n"
    "        {move_form}\n"
    "      </li>\n"
    "    "
)
_MOVE_FORM = (
    '\n        <form method="get" action="{move}" hx-get="{move}" hx-target="#move-body" '
    'class="move-form">\n'
    '          <input type="hidden" name="next" value="{next}">\n'
    '          <label class="sr-only" for="move-{pk}">{move_to}</label>\n'
    '          <select id="move-{pk}" name="to_stage">{options}</select>\n'
    '          <button type="submit" class="secondary">{move_to}</button>\n'
    "        </form>\n"
    "        "
)


def _url_maker(name: str):
    """``reverse(name, args=[pk])`` for many pks: one reversal, then the pk put in its place."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _cards_html(column: dict, next_url: str) -> str:
    """The column's cards, built with ``format_html``: every value is escaped by construction
    (the texts computed once per column or per owner are escaped when they go in, once)."""
    detail_url = _url_maker("opportunities:detail")
    move_url = _url_maker("opportunities:move")
    later = column["later"]
    options = format_html_join(
        "", '<option value="{}">{} {}</option>', ((s.code, s.order, s.name) for s in later)
    )
    move_to = _("Move to…")
    warning = format_html(
        '<div class="cadence-warning" role="note">⚠ {}</div>',
        _("Visit overdue for this stage's cadence"),
    )
    grades = dict(Grade.choices)
    now = timezone.now()
    days_text: dict[int, str] = {}
    owners: dict[int, str] = {}
    out = []
    for card in column["cards"]:
        days = card.days_in_stage
        if days not in days_text:
            days_text[days] = ngettext("%(days)s day in stage", "%(days)s days in stage", days) % {
                "days": formats.localize(days)
            }
        if card.owner_id not in owners:
            owners[card.owner_id] = str(card.owner)
        move = move_url(card.pk)
        overdue = is_past_cadence(
            last_visit_at=card.last_visit_at,
            created_at=card.created_at,
            cadence_days=column["stage"].cadence_days,
            now=now,
        )
        move_form = (
            format_html(
                _MOVE_FORM, move=move, next=next_url, pk=card.pk, move_to=move_to, options=options
            )
            if later
            else ""
        )
        out.append(
            format_html(
                _CARD,
                move=move,
                order=column["stage"].order,
                detail=detail_url(card.pk),
                name=card.name,
                customer=card.customer_name,
                amount=floatformat(card.amount, "2g"),
                currency=card.currency,
                grade=card.grade,
                grade_label=grades.get(card.grade, card.grade),
                owner=owners[card.owner_id],
                days=days_text[days],
                warning=warning if overdue else "",
                move_form=move_form,
            )
        )
    return format_html_join("", "{}", ((card,) for card in out))


@login_required
def board(request):
    """The pipeline of the default process: one column per stage, one card per open deal. Four
    queries for the board itself (stages, counts, the cards' ids, the cards) whatever the number
    of deals."""
    user = request.user
    process = default_process()
    stages = list(Stage.objects.filter(process=process).order_by("order")) if process else []
    owner_id, team_id = _int_param(request, "owner"), _int_param(request, "team")
    cards = _scope(request).open().filter(process=process)
    if owner_id:
        cards = cards.filter(owner_id=owner_id)
    if team_id:
        cards = cards.filter(team_id=team_id)
    now = timezone.now()
    columns = {
        stage.pk: {"stage": stage, "cards": [], "later": [], "count": 0, "hidden": 0}
        for stage in stages
    }
    for index, stage in enumerate(stages):
        columns[stage.pk]["later"] = stages[index + 1 :]
    # A team's board at scale holds thousands of deals: each column shows the longest-waiting
    # BOARD_CARDS_PER_STAGE cards and counts the rest (one aggregate query).
    for stage_id, count in cards.order_by().values_list("stage_id").annotate(n=Count("id")):
        if stage_id in columns:
            columns[stage_id]["count"] = count
    first = Window(
        RowNumber(),
        partition_by=[F("stage_id")],
        order_by=[F("stage_entered_at").asc(), F("id").asc()],
    )
    # The ranking reads the opportunities alone, then only the cards shown are read with their
    # customer and owner: joining every open deal of a team first cost more than the ranking,
    # and as a subquery the planner cannot see the ranking keeps 50 rows per stage (it scans
    # every opportunity), hence the ids in a list.
    shown = list(
        cards.annotate(rank=first)
        .filter(rank__lte=BOARD_CARDS_PER_STAGE)
        .values_list("pk", flat=True)
    )
    for card in (
        Opportunity.objects.filter(pk__in=shown)
        .select_related("owner")
        .only(*BOARD_CARD_FIELDS)
        # The customer's name by its primary key, row by row: as a join the planner hashes
        # every customer for the 350 cards.
        .annotate(
            customer_name=Subquery(
                Customer.objects.filter(pk=OuterRef("customer_id")).order_by().values("name")[:1]
            )
        )
        .order_by("stage_entered_at", "id")
    ):
        column = columns.get(card.stage_id)
        if column is not None:
            card.days_in_stage = max(0, (now - card.stage_entered_at).days)
            column["cards"].append(card)
    next_url = request.get_full_path()
    for column in columns.values():
        column["hidden"] = column["count"] - len(column["cards"])
        column["cards_html"] = _cards_html(column, next_url)
    return render(
        request,
        "opportunities/board.html",
        {
            "title": _("Pipeline board"),
            "process": process,
            "columns": list(columns.values()),
            "owners": _owner_choices(user),
            "teams": _team_choices(user),
            "owner_id": owner_id,
            "team_id": team_id,
        },
    )


# One opportunity -------------------------------------------------------------------------------
def _gate_view(opportunity, to_stage=None) -> dict:
    """What a move needs, for the page: the target, its checklist, and every unmet item."""
    try:
        target, items, missing = services.gate(opportunity, to_stage)
    except DomainError as exc:
        return {"error": exc, "target": None, "items": [], "missing": []}
    checklist_codes = {item.code for item in items if not item.met}
    return {
        "target": target,
        "items": items,
        "missing": missing,
        "other_missing": [m for m in missing if m.code not in checklist_codes],
    }


def _my_missing_assessments(user, review: Review) -> list[str]:
    """The assessments the user writes as a member of the triangle and has not written yet."""
    if review.state != ReviewState.PENDING:
        return []
    opportunity = review.opportunity
    return [
        field
        for role, field in services.ASSESSMENT_BY_ROLE.items()
        if services.role_user_id(opportunity, role) == user.pk
        and not getattr(review, field).strip()
    ]


def _review_kinds(opportunity) -> list[str]:
    if opportunity.grade == Grade.E:
        return [ReviewKind.REGISTRATION]
    return [ReviewKind.PROJECT_APPROVAL, ReviewKind.CONTRACT]


@login_required
def detail(request, pk: int):
    user = request.user
    opportunity = _get(request, pk)
    now = timezone.now()
    is_open = opportunity.is_open
    gates = []
    if is_open:
        gates.append(_gate_view(opportunity))
        first = services.first_stage(opportunity.process)
        if opportunity.is_fast_track and opportunity.stage.order == first.order:
            signing = Stage.objects.filter(
                process_id=opportunity.process_id, is_signing=True
            ).first()
            if signing and signing.order > opportunity.stage.order + 1:
                gates.append(_gate_view(opportunity, signing.code))
    history = list(
        opportunity.stage_history.select_related("stage", "entered_by").order_by("entered_at", "id")
    )
    for row in history:
        row.duration = (row.exited_at or now) - row.entered_at
    timeline = sorted(
        [("activity", a.occurred_at, a) for a in activities_of(opportunity)[:100]]
        + [("transition", t.at, t) for t in transitions_of(opportunity)[:100]],
        key=lambda item: item[1],
        reverse=True,
    )
    tasks = list(opportunity.tasks.select_related("assignee", "done_by"))
    can_steer = services.may_steer(user, opportunity)
    manages = services.manages_deal(user, opportunity)
    for task in tasks:
        task.can_complete = (
            is_open
            and not task.done_at
            and (user.pk == services.role_user_id(opportunity, task.role) or manages)
        )
    my_assessments = [
        field
        for role, field in services.ASSESSMENT_BY_ROLE.items()
        if services.role_user_id(opportunity, role) == user.pk
    ]
    context = {
        "opportunity": opportunity,
        "title": opportunity.name,
        "gates": gates,
        "history": history,
        "grade_changes": opportunity.grade_changes.select_related("by").order_by("at", "id"),
        "chain": opportunity.decision_chain.select_related("contact").order_by("id"),
        "competitors": opportunity.competitors.order_by("id"),
        "open_tasks": [t for t in tasks if not t.done_at],
        "done_tasks": [t for t in tasks if t.done_at],
        "reviews": opportunity.reviews.select_related("requested_by", "decided_by").order_by(
            "-requested_at"
        ),
        "timeline": timeline,
        "can_work": is_open and services.works_on(user, opportunity),
        "can_steer": is_open and can_steer,
        "can_regrade": is_open and manages and opportunity.grade != Grade.E,
        "can_win": is_open and can_steer and opportunity.grade == Grade.E,
        # Several forms on one page: distinct ids keep every label tied to its own field.
        "chain_form": DecisionChainForm(customer=opportunity.customer, auto_id="chain-%s"),
        "competitor_form": CompetitorForm(auto_id="competitor-%s"),
        "activity_form": ActivityForm(auto_id="activity-%s"),
        "lose_form": LoseForm(auto_id="lose-%s"),
        "regrade_form": RegradeForm(auto_id="regrade-%s"),
        "review_form": ReviewRequestForm(
            kinds=_review_kinds(opportunity), assessments=my_assessments, auto_id="review-%s"
        ),
        "win_missing": services.win_missing(opportunity)
        if opportunity.grade == Grade.E and is_open
        else [],
        "track_rule": tracks.track_rule(opportunity.grade) if is_open else "",
        **field_history(opportunity),  # amount, close date, owners, grade, stage: who, when
    }
    return render(request, "opportunities/detail.html", context)


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


def _flash_sent_back(request, opportunity) -> None:
    """After a change that put the deal on a stricter track: where it went back to, and why."""
    sent_back = getattr(opportunity, "sent_back", None)
    if sent_back:
        messages.warning(request, sent_back["reason"])


# Actions: POST only, a flash message after each, back to the deal. ----------------------------
@login_required
@require_POST
def advance(request, pk: int):
    opportunity = _get(request, pk)

    def run(data) -> str:
        moved = services.advance(
            opportunity=opportunity, user=request.user, to_stage=data["to_stage"] or None
        )
        return _("Gate passed: “%(name)s” is now in stage “%(stage)s”.") % {
            "name": moved.name,
            "stage": moved.stage.name,
        }

    return run_post(request, _detail_url(opportunity), run, "", AdvanceForm(request.POST))


@login_required
@require_POST
def task_complete(request, pk: int, code: str):
    opportunity = _get(request, pk)
    return run_post(
        request,
        _detail_url(opportunity),
        lambda d: services.complete_task(
            opportunity=opportunity, code=code, user=request.user, **d
        ),
        _("Task done."),
        TaskCompleteForm(request.POST),
    )


@login_required
@require_POST
def review_request(request, pk: int):
    opportunity = _get(request, pk)
    my_assessments = [
        field
        for role, field in services.ASSESSMENT_BY_ROLE.items()
        if services.role_user_id(opportunity, role) == request.user.pk
    ]
    form = ReviewRequestForm(
        request.POST, kinds=_review_kinds(opportunity), assessments=my_assessments
    )
    return run_post(
        request,
        _detail_url(opportunity),
        lambda d: services.request_review(opportunity=opportunity, user=request.user, **d),
        _("Review requested: the managers are told."),
        form,
    )


@login_required
@require_POST
def lose(request, pk: int):
    opportunity = _get(request, pk)

    def run(data):
        services.close_lost(
            opportunity=opportunity,
            user=request.user,
            reason=data["reason"],
            lessons=data["lessons"],
            competitor=data["competitor"],
            abandon=data["outcome"] == "abandoned",
        )

    return run_post(
        request,
        _detail_url(opportunity),
        run,
        _("The opportunity is closed; the loss review is kept."),
        LoseForm(request.POST),
    )


@login_required
@require_POST
def win(request, pk: int):
    opportunity = _get(request, pk)
    return run_post(
        request,
        _detail_url(opportunity),
        lambda d: services.win_partner_deal(opportunity=opportunity, user=request.user),
        _("The partner-led deal is won."),
    )


@login_required
@require_POST
def regrade(request, pk: int):
    opportunity = _get(request, pk)

    def raise_grade(data):
        raised = services.regrade(opportunity=opportunity, user=request.user, **data)
        _flash_sent_back(request, raised)
        return raised

    return run_post(
        request,
        _detail_url(opportunity),
        raise_grade,
        _("Grade raised."),
        RegradeForm(request.POST),
    )


@login_required
@require_POST
def chain_add(request, pk: int):
    opportunity = _get(request, pk)
    form = DecisionChainForm(request.POST, customer=opportunity.customer)

    @transaction.atomic
    def run(data):
        contact = data["contact"]
        if contact is None:
            contact = save_contact(
                by=request.user,
                customer=opportunity.customer,
                name=data["new_name"].strip(),
                title=data["new_title"],
                phone=data["new_phone"],
                email=data["new_email"],
            )
        services.add_decision_maker(
            opportunity=opportunity,
            user=request.user,
            contact=contact,
            role=data["role"],
            attitude=data["attitude"],
            note=data["note"],
        )

    return run_post(request, _detail_url(opportunity), run, _("Decision chain updated."), form)


@login_required
@require_POST
def competitor_add(request, pk: int):
    opportunity = _get(request, pk)
    return run_post(
        request,
        _detail_url(opportunity),
        lambda d: services.add_competitor(opportunity=opportunity, user=request.user, **d),
        _("Competitor recorded."),
        CompetitorForm(request.POST),
    )


@login_required
@require_POST
def activity_add(request, pk: int):
    opportunity = _get(request, pk)
    return run_post(
        request,
        _detail_url(opportunity),
        lambda d: services.log_activity(opportunity=opportunity, user=request.user, **d),
        _("Activity logged."),
        ActivityForm(request.POST),
    )


# Reviews --------------------------------------------------------------------------------------
def _get_review(request, pk: int) -> Review:
    related = (
        "opportunity",
        "opportunity__owner",
        "opportunity__solution_owner",
        "opportunity__fulfillment_owner",
        "opportunity__customer",
        "requested_by",
        "decided_by",
        "first_approved_by",
    )
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related(*related), pk=pk
    )


@login_required
def reviews(request):
    user = request.user
    related = (
        "opportunity",
        "opportunity__owner",
        "opportunity__customer",
        "requested_by",
        "decided_by",
    )
    pending = (
        Review.objects.to_decide_by(user)
        .select_related(*related)
        .order_by("requested_at", "id")[:200]
    )
    since = timezone.now() - timedelta(days=RECENT_REVIEW_DAYS)
    decided = (
        Review.objects.visible_to(user)
        .exclude(state=ReviewState.PENDING)
        .filter(decided_at__gte=since)
        .select_related(*related)
        .order_by("-decided_at", "-id")[:50]
    )
    return render(
        request,
        "opportunities/reviews.html",
        {
            "pending": pending,
            "decided": decided,
            "title": _("Reviews to decide"),
            "days": RECENT_REVIEW_DAYS,
        },
    )


@login_required
def review(request, pk: int):
    user = request.user
    item = _get_review(request, pk)
    opportunity = item.opportunity
    missing_assessments = [
        (field, label)
        for field, label in (
            ("relationship_assessment", _("AR: customer relationship and decision chain")),
            ("solution_assessment", _("SR: solution and competition")),
            ("delivery_assessment", _("FR: deliverability and risk")),
        )
        if not getattr(item, field).strip()
    ]
    can_decide = services.may_decide(user, item)
    mine = _my_missing_assessments(user, item)
    return render(
        request,
        "opportunities/review.html",
        {
            "review": item,
            "opportunity": opportunity,
            "title": item.get_kind_display(),
            "missing_assessments": missing_assessments,
            "assess_form": AssessForm(assessments=mine) if mine else None,
            "can_decide": can_decide,
            "can_approve": can_decide and not missing_assessments,
            "waits_for_second": item.state == ReviewState.PENDING
            and item.needs_second_approval
            and item.first_approved_by_id is not None,
        },
    )


@login_required
@require_POST
def review_assess(request, pk: int):
    item = _get_review(request, pk)
    back = reverse("opportunities:review", args=[item.pk])
    form = AssessForm(request.POST, assessments=list(services.ASSESSMENT_BY_ROLE.values()))
    return run_post(
        request,
        back,
        lambda d: services.assess_review(
            review=item, user=request.user, **{k: v for k, v in d.items() if v.strip()}
        ),
        _("Assessment saved."),
        form,
    )


@login_required
@require_POST
def review_decide(request, pk: int):
    item = _get_review(request, pk)
    back = reverse("opportunities:review", args=[item.pk])
    form = DecideForm(request.POST)

    def run(data):
        services.decide_review(
            review=item,
            user=request.user,
            approve=data["decision"] == "approve",
            comment=data["comment"],
        )

    return run_post(request, back, run, _("Decision recorded; the AR is told."), form)
