"""What the contract pages share: refusals shown on the form, the deal, the company's name."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.errors import DomainError, NotAllowed
from ltc.core.views import add_form_error, flash_refusal
from opportunities.models import Opportunity

from ..models import (
    ContractState,
)

PAGE_SIZE = 50
QUOTE_VALIDITY_DAYS = 30
CANCELLABLE = (ContractState.DRAFT, ContractState.IN_REVIEW, ContractState.APPROVED)
REVIEW_ASSESSMENTS = (
    ("relationship_assessment", gettext_lazy("AR: customer relationship and decision chain")),
    ("solution_assessment", gettext_lazy("SR: solution and competition")),
    ("delivery_assessment", gettext_lazy("FR: deliverability and risk")),
)


# Shared helpers ----------------------------------------------------------------------------------


def _show_refusal(request, exc: DomainError, form) -> None:
    """A wrong input, or a field this user may not set, goes next to its field (the form keeps
    what was typed); anything else is a flash message with every missing item."""
    if add_form_error(exc, form):
        return
    if (
        isinstance(exc, NotAllowed)
        and exc.missing
        and all(item.code in form.fields for item in exc.missing)
    ):
        for item in exc.missing:
            form.add_error(item.code, str(item.label))
    else:
        flash_refusal(request, exc)


def _deal(request, pk: int) -> Opportunity:
    return get_object_or_404(
        Opportunity.objects.visible_to(request.user).select_related(
            "customer", "owner", "stage", "solution_owner", "fulfillment_owner"
        ),
        pk=pk,
    )


def _company_name() -> str:
    return getattr(settings, "LTC_COMPANY_NAME", "") or _("Our company")
