from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from ltc.core.pages import keyset_page

from .filters import AuditEntryFilter
from .history import readable
from .models import AuditEntry
from .permissions import can_read_audit

PAGE_SIZE = 50


@login_required
def audit_list(request):
    """The money audit trail: admin and finance only (for everyone else the page is not there)."""
    if not can_read_audit(request.user):
        raise Http404
    qs = AuditEntry.objects.visible_to(request.user).select_related("actor")
    entry_filter = AuditEntryFilter(request.GET or None, queryset=qs, request=request)
    # An invalid filter shows its error and no rows rather than the unfiltered trail.
    rows = entry_filter.qs if entry_filter.is_bound else qs
    page = keyset_page(request, rows, size=PAGE_SIZE)
    page.object_list = readable(page.object_list)
    return render(
        request,
        "audit/list.html",
        {"filter": entry_filter, "page": page, "title": _("Audit trail")},
    )
