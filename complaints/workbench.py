"""The workbench panel of the complaints a user owns and must still resolve, soonest due first."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register

from .models import UNRESOLVED, Complaint

ROWS = 8


def _note(complaint: Complaint, now) -> str:
    if complaint.breached(now):
        return _("SLA breached")
    when = date_format(timezone.localtime(complaint.resolution_due_at), "SHORT_DATETIME_FORMAT")
    return _("due %(when)s") % {"when": when}


@register
def complaint_panels(user) -> list[dict]:
    complaints = list(
        Complaint.objects.filter(owner=user, state__in=UNRESOLVED)
        .select_related("customer")
        .order_by("resolution_due_at", "id")[:ROWS]
    )
    if not complaints:
        return []
    now = timezone.now()
    return [
        {
            "title": _("Complaints to resolve"),
            "items": [
                {
                    "url": reverse("complaints:detail", args=[c.pk]),
                    "text": f"{c.number} · {c.customer.name} · {c.title}",
                    "note": _note(c, now),
                }
                for c in complaints
            ],
            "url": reverse("complaints:list") + f"?owner={user.pk}",
            "empty": _("No complaint waits for you."),
        }
    ]
