"""The approvals section of the morning digest: discounts, contract reviews and changes that
wait for the manager, and the reviews that wait for the user's assessment."""

from datetime import datetime

from django.utils.translation import gettext as _

from ltc.activity.digest import register
from opportunities.models import Review

from . import selectors


@register
def approvals_waiting(user, now: datetime) -> tuple[str, list[str]]:
    waiting = selectors.approvals_waiting(user)
    lines = [
        _("Discount on quote %(number)s") % {"number": q.number}
        for q in waiting["quotes"].order_by("created_at")[:20]
    ]
    lines += [
        _("Contract review of %(number)s") % {"number": c.number}
        for c in waiting["contracts"].order_by("id")[:20]
    ]
    lines += [
        f"{r.get_kind_display()} · {r.opportunity.name}"
        for r in Review.objects.awaiting_assessment_by(user)
        .select_related("opportunity")
        .order_by("requested_at")[:20]
    ]
    return _("Waiting for your approval or assessment"), lines
