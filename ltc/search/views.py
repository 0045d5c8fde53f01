from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from .registry import LIMIT, MIN_LENGTH, search


@login_required
def results(request):
    query = request.GET.get("q", "").strip()[:100]
    groups = search(request.user, query)
    context = {
        "q": query,
        "groups": groups,
        "too_short": 0 < len(query) < MIN_LENGTH,
        "min_length": MIN_LENGTH,
        "limit": LIMIT,
        "title": _("Search"),
    }
    return render(request, "search/results.html", context)
