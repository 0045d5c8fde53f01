"""The leads section of the morning digest: the user's leads whose follow-up falls due today."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ltc.activity.digest import register
from ltc.activity.querysets import end_of_today

from .models import Lead, LeadState


@register
def leads_due_today(user, now: datetime) -> tuple[str, list[str]]:
    leads = (
        Lead.objects.filter(
            owner=user, state=LeadState.ASSIGNED, follow_up_due_at__lt=end_of_today(now)
        )
        .order_by("follow_up_due_at", "id")
        .only("title", "follow_up_due_at")[:50]
    )
    return _("Leads to follow up today"), [
        f"{date_format(timezone.localtime(lead.follow_up_due_at), 'SHORT_DATETIME_FORMAT')} · "
        f"{lead.title}"
        for lead in leads
    ]
