"""The deal page's buttons: POST only, a flash message after each, back to the deal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.views import run_post
from ltc.customers.services import save_contact

from .. import services
from ..forms import (
    ActivityForm,
    AdvanceForm,
    CompetitorForm,
    DecisionChainForm,
    LoseForm,
    RegradeForm,
    ReviewRequestForm,
    TaskCompleteForm,
)
from ._common import _detail_url, _flash_sent_back, _get, _review_kinds


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
