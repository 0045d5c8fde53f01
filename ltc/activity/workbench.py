"""Every workbench starts with the day: the user's activities due today and the overdue ones."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register_first

from .models import PlannedActivity
from .subjects import for_content_type_id

ROWS = 10


def subject_url(planned: PlannedActivity) -> str:
    subject = for_content_type_id(planned.content_type_id)
    return f"{subject.url(planned.object_id)}#plans" if subject else ""


@register_first
def my_day_panel(user) -> list[dict]:
    now = timezone.now()
    rows = list(
        PlannedActivity.objects.filter(owner=user)
        .today_and_overdue(now)
        .prefetch_related("subject")
        .order_by("due_at", "id")[:ROWS]
    )
    items = []
    for planned in rows:
        overdue = planned.is_overdue(now)
        when = date_format(timezone.localtime(planned.due_at), "SHORT_DATETIME_FORMAT")
        items.append(
            {
                "url": subject_url(planned),
                "text": f"{planned.get_kind_display()}: {planned.title}",
                "note": f"{when} · {planned.subject}" if planned.subject else when,
                "overdue": overdue,
            }
        )
    return [
        {
            "title": _("My day: today's and overdue activities"),
            "items": items,
            "url": reverse("activity:calendar"),
            "empty": _("Nothing planned for today."),
        }
    ]
