from datetime import timedelta

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register
from ltc.org.models import Role

from .models import Opportunity, OpportunityTask, Review

ROWS = 8


def waiting_note(review) -> str:
    missing = review.waiting_for
    if not missing:
        return review.opportunity.name
    return str(
        _("%(name)s · waiting for %(who)s") % {"name": review.opportunity.name, "who": missing}
    )


def _tasks_panel(user) -> dict:
    """The stage tasks assigned to the user."""
    tasks = (
        OpportunityTask.objects.filter(
            assignee=user, done_at__isnull=True, opportunity__state="open"
        )
        .select_related("opportunity")
        .order_by("created_at")[:ROWS]
    )
    return {
        "title": _("My open tasks"),
        "items": [
            {
                "url": reverse("opportunities:detail", args=[t.opportunity_id]),
                "text": t.display_label,
                "note": t.opportunity.name,
            }
            for t in tasks
        ],
        "url": reverse("opportunities:list"),
        "empty": _("No task waits for you."),
    }


def _cadence_panel(user) -> dict:
    """The user's deals past their visit cadence."""
    late = (
        Opportunity.objects.visible_to(user)
        .past_cadence()
        .select_related("customer")
        .order_by(F("last_visit_at").asc(nulls_first=True), "created_at")[:ROWS]
    )
    return {
        "title": _("Opportunities past their visit cadence"),
        "items": [
            {
                "url": reverse("opportunities:detail", args=[o.pk]),
                "text": o.name,
                "note": o.customer.name,
            }
            for o in late
        ],
        "url": reverse("opportunities:list") + "?past_cadence=true",
        "empty": _("Every account was visited on time."),
    }


def _assessment_panel(user) -> dict:
    """The reviews waiting for the user's assessment."""
    to_assess = (
        Review.objects.awaiting_assessment_by(user)
        .select_related("opportunity")
        .order_by("requested_at", "id")[:ROWS]
    )
    return {
        "title": _("Reviews waiting for your assessment"),
        "items": [
            {
                "url": reverse("opportunities:review", args=[r.pk]) + "#assess",
                "text": r.get_kind_display(),
                "note": r.opportunity.name,
            }
            for r in to_assess
        ],
        "url": reverse("opportunities:list"),
        "empty": _("No review waits for your assessment."),
    }


def _decision_panel(user) -> dict:
    """The reviews the user may decide (``Review.objects.decidable_by``)."""
    reviews = (
        Review.objects.decidable_by(user)
        .select_related(
            "opportunity__owner",
            "opportunity__solution_owner",
            "opportunity__fulfillment_owner",
        )
        .order_by("requested_at")[:ROWS]
    )
    return {
        "title": _("Reviews waiting for your decision"),
        "items": [
            {
                "url": reverse("opportunities:review", args=[r.pk]),
                "text": r.get_kind_display(),
                "note": waiting_note(r),
            }
            for r in reviews
        ],
        "url": reverse("opportunities:reviews"),
        "empty": _("No review waits for you."),
    }


def _stale_panel(user) -> dict:
    """Deals stuck in a stage for 60 days or more."""
    stale_since = timezone.now() - timedelta(days=60)
    stale = (
        Opportunity.objects.visible_to(user)
        .open()
        .filter(stage_entered_at__lt=stale_since)
        .select_related("owner")
        .order_by("stage_entered_at")[:ROWS]
    )
    return {
        "title": _("Deals stuck in a stage for 60 days or more"),
        "items": [
            {
                "url": reverse("opportunities:detail", args=[o.pk]),
                "text": o.name,
                "note": str(o.owner),
            }
            for o in stale
        ],
        "url": reverse("opportunities:board"),
        "empty": _("No deal is stuck."),
    }


@register
def opportunity_panels(user) -> list[dict]:
    panels = []
    if user.role in {Role.REP, Role.MANAGER, Role.SOLUTION, Role.DELIVERY}:
        panels += [_assessment_panel(user), _tasks_panel(user), _cadence_panel(user)]
    if user.role in {Role.MANAGER, Role.ADMIN}:
        panels += [_decision_panel(user), _stale_panel(user)]
    return panels
