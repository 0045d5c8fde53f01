"""Pages of planned activities: the panel on every record page (htmx), completing and cancelling,
the week calendar and the iCalendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ltc.core.errors import DomainError, InvalidInput
from ltc.org.scoping import is_manager

from . import calendar, services
from .forms import OutcomeForm, PlanForm
from .models import CalendarFeed, PlannedActivity, PlannedState
from .subjects import by_key, for_content_type_id, for_model

DONE_ROWS = 5


def plans_context(request, obj, form: PlanForm | None = None, error: str = "") -> dict:
    user = request.user
    subject = for_model(obj)
    mine = PlannedActivity.objects.visible_to(user).on(obj).select_related("owner")
    open_rows = list(mine.filter(state=PlannedState.PLANNED).order_by("due_at", "id"))
    done_rows = list(
        mine.exclude(state=PlannedState.PLANNED).order_by("-completed_at", "-id")[:DONE_ROWS]
    )
    now = timezone.now()
    for row in open_rows:
        row.late = row.is_overdue(now)
        row.workable = services.may_work_on(user, row)
    return {
        "request": request,
        "subject_key": subject.key if subject else "",
        "record": obj,
        "open_rows": open_rows,
        "done_rows": done_rows,
        "form": form or PlanForm(user=user),
        "outcome_form": OutcomeForm(),
        "error": error,
    }


def _subject_of(request, key: str, object_id):
    subject = by_key(key or "")
    if subject is None:
        raise Http404
    try:
        return subject, subject.visible(request.user).get(pk=int(object_id))
    except (TypeError, ValueError, subject.model.DoesNotExist):
        raise Http404


def _answer(request, subject, obj, form=None, error: str = ""):
    """The refreshed panel for htmx; otherwise back to the record's page."""
    if request.htmx:
        status = 400 if (error or (form is not None and form.errors)) else 200
        return render(
            request, "activity/_plans.html", plans_context(request, obj, form, error), status=status
        )
    if error:
        messages.error(request, error)
    return redirect(subject.url(obj.pk) + "#plans")


@login_required
@require_POST
def plan(request):
    subject, obj = _subject_of(
        request, request.POST.get("subject_type"), request.POST.get("subject_id")
    )
    form = PlanForm(request.POST, user=request.user)
    if not form.is_valid():
        error = "; ".join(
            f"{form.fields[f].label}: {' '.join(e)}"
            for f, e in form.errors.items()
            if f in form.fields
        )
        return _answer(request, subject, obj, form, error)
    data = form.cleaned_data
    owner = get_user_model().objects.filter(pk=data.get("owner") or request.user.pk).first()
    try:
        services.plan_activity(
            by=request.user,
            subject_type=subject.key,
            subject_id=obj.pk,
            kind=data["kind"],
            title=data["title"],
            due_at=data["due_at"],
            owner=owner,
            note=data["note"],
            duration_minutes=data["duration_minutes"],
        )
    except DomainError as error:
        if isinstance(error, InvalidInput) and error.field in form.fields:
            form.add_error(error.field, str(error.detail))
        return _answer(request, subject, obj, form, str(error.detail))
    if not request.htmx:
        messages.success(request, _("Activity planned."))
    return _answer(request, subject, obj)


def _planned_for(request, pk: int):
    planned = get_object_or_404(PlannedActivity.objects.visible_to(request.user), pk=pk)
    subject = for_content_type_id(planned.content_type_id)
    if subject is None:
        raise Http404
    obj = get_object_or_404(subject.visible(request.user), pk=planned.object_id)
    return planned, subject, obj


@login_required
@require_POST
def complete(request, pk: int):
    planned, subject, obj = _planned_for(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _answer(request, subject, obj, error=_("Write the outcome."))
    try:
        services.complete_planned_activity(
            planned=planned, user=request.user, outcome=form.cleaned_data["outcome"]
        )
    except DomainError as error:
        return _answer(request, subject, obj, error=str(error.detail))
    if not request.htmx:
        messages.success(request, _("Activity done and logged."))
    return _answer(request, subject, obj)


@login_required
@require_POST
def cancel(request, pk: int):
    planned, subject, obj = _planned_for(request, pk)
    try:
        services.cancel_planned_activity(
            planned=planned, user=request.user, reason=request.POST.get("reason", "")[:5000]
        )
    except DomainError as error:
        return _answer(request, subject, obj, error=str(error.detail))
    return _answer(request, subject, obj)


@login_required
@require_GET
def week_calendar(request):
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET.get("week", "")) if request.GET.get("week") else today
    except ValueError:
        day = today
    if not 2000 <= day.year <= 2999:  # a week the calendar (and the database) can hold
        day = today
    monday = calendar.monday_of(day)
    team = request.GET.get("team") == "1" and is_manager(request.user)
    days = calendar.week(request.user, monday, team=team)
    now = timezone.now()
    for _day, rows in days:
        for row in rows:
            row.late = row.is_overdue(now)
            subject = for_content_type_id(row.content_type_id)
            row.link = f"{subject.url(row.object_id)}#plans" if subject else ""
    feed_token = request.session.pop("calendar_feed_token", None)
    return render(
        request,
        "activity/calendar.html",
        {
            "title": _("Calendar"),
            "days": days,
            "monday": monday,
            "today": today,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "team": team,
            "may_see_team": is_manager(request.user),
            "has_feed": CalendarFeed.objects.filter(user=request.user).exists(),
            "feed_url": request.build_absolute_uri(reverse("activity:feed", args=[feed_token]))
            if feed_token
            else "",
        },
    )


@login_required
@require_POST
def feed_issue(request):
    request.session["calendar_feed_token"] = services.issue_calendar_feed(user=request.user)
    messages.success(
        request, _("A new calendar address was made; the previous one no longer works.")
    )
    return redirect("activity:calendar")


@login_required
@require_POST
def feed_revoke(request):
    services.revoke_calendar_feed(user=request.user)
    messages.success(request, _("The calendar address was revoked."))
    return redirect("activity:calendar")


@require_GET
def feed(request, token: str):
    user = services.feed_owner(token)
    if user is None:
        raise Http404
    body = calendar.ics_for(user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ltc.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
