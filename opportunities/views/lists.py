"""The opportunity list: filters, sortable columns, pages."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
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


class Page:
    """One page of a list without counting the list: its rows are read with one more, which
    says whether a next page exists. A team's list at scale holds hundreds of thousands of deals,
    and the page's ``COUNT(*)`` cost most of its time (issue 20); the page shows "Page n" with
    Previous and Next instead of "Page n of m". The sorts are any column, so the pages are
    offsets; the first pages (where people are) stay as fast at 10M rows as at 100k."""

    # A page number past this is read as this one (an empty page): an offset the database can
    # hold (a 20-digit number overflows PostgreSQL's bigint) and a reader never pages to.
    LAST = 10_000

    def __init__(self, queryset, number: str | None, size: int = PAGE_SIZE):
        digits = (number or "").strip()
        # ASCII digits only ("²".isdigit() is true and int() refuses it), and few enough of them
        # for int() (which refuses more than 4,300).
        if re.fullmatch(r"[0-9]{1,100}", digits) and int(digits) > 0:
            self.number = min(int(digits), self.LAST)
        else:
            self.number = 1
        start = (self.number - 1) * size
        rows = list(queryset[start : start + size + 1])
        self.object_list = rows[:size]
        self.has_next = len(rows) > size
        self.has_previous = self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


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
    page = Page(opportunity_filter.qs, request.GET.get("page"))
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
