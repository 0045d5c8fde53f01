"""Reviews: the inbox, one review's page, assessing and deciding it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.views import run_post

from .. import services
from ..forms import (
    AssessForm,
    DecideForm,
)
from ..models import Review, ReviewState
from ._common import RECENT_REVIEW_DAYS


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
        Review.objects.decidable_by(user)
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
    # The buttons come from the one rule (services.review_actions), as the service's refusal does.
    actions = services.review_actions(user, item)
    can_decide = bool(actions["approve"])
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
            "actions": actions,
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
