"""The opportunity list: filters, sortable columns, pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.tables import sort_by

from ..filters import OpportunityFilter
from ..models import Stage
from ._common import PAGE_SIZE, _choice_widget, _owner_choices, _scope, _team_choices

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
