"""What the opportunity pages share: the scoped lookup, the deal's URL, the filter choices, the
gate and review-kind helpers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.urls import reverse

from ltc.core.errors import DomainError
from ltc.core.numbers import whole_number
from ltc.org.models import Role, Team
from ltc.org.scoping import visible_users

from .. import services
from ..models import Grade, Opportunity, ReviewKind

PAGE_SIZE = 50
RECENT_REVIEW_DAYS = 30
AR_ROLES = [Role.REP, Role.MANAGER]


def _scope(request):
    return Opportunity.objects.visible_to(request.user)


DETAIL_RELATED = (
    "customer",
    "owner",
    "solution_owner",
    "fulfillment_owner",
    "stage",
    "process",
    "team",
    "lead",
)


def _get(request, pk: int) -> Opportunity:
    return get_object_or_404(_scope(request).select_related(*DETAIL_RELATED), pk=pk)


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
    return whole_number(value)


# One opportunity -------------------------------------------------------------------------------
def _gate_view(opportunity, to_stage=None, facts=None, process=None) -> dict:
    """What a move needs, for the page: the target, its checklist, and every unmet item."""
    try:
        target, items, missing = services.gate(opportunity, to_stage, facts, process)
    except DomainError as exc:
        return {"error": exc, "target": None, "items": [], "missing": []}
    checklist_codes = {item.code for item in items if not item.met}
    return {
        "target": target,
        "items": items,
        "missing": missing,
        "other_missing": [m for m in missing if m.code not in checklist_codes],
    }


def _review_kinds(opportunity) -> list[str]:
    if opportunity.grade == Grade.E:
        return [ReviewKind.REGISTRATION]
    return [ReviewKind.PROJECT_APPROVAL, ReviewKind.CONTRACT]


def _flash_sent_back(request, opportunity) -> None:
    """After a change that put the deal on a stricter track: where it went back to, and why."""
    sent_back = getattr(opportunity, "sent_back", None)
    if sent_back:
        messages.warning(request, sent_back["reason"])
