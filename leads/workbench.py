from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register
from ltc.org.models import Role
from ltc.org.scoping import managed_users

from .models import Lead, LeadState

ROWS = 8


@register
def lead_panels(user) -> list[dict]:
    now = timezone.now()
    panels = []
    if user.role in {Role.REP, Role.MANAGER}:
        mine = Lead.objects.filter(owner=user, state=LeadState.ASSIGNED).for_list()
        panels.append(
            {
                "title": _("My leads due for follow-up within a day"),
                "leads": list(
                    mine.filter(follow_up_due_at__lte=now + timedelta(days=1)).order_by(
                        "follow_up_due_at"
                    )[:ROWS]
                ),
                "url": reverse("leads:mine"),
                "empty": _("Nothing due: every lead you hold has been followed up in time."),
            }
        )
        panels.append(
            {
                "title": _("Best leads in the pool"),
                "leads": list(
                    Lead.objects.in_pool_of(user).for_list().order_by("-score", "-id")[:ROWS]
                ),
                "url": reverse("leads:pool"),
                "empty": _("The pool is empty. New leads appear here when marketing adds them."),
            }
        )
    if user.role == Role.MANAGER:
        panels.append(
            {
                "title": _("Team leads about to go back to the pool"),
                "leads": list(
                    Lead.objects.filter(
                        owner__in=managed_users(user),
                        state=LeadState.ASSIGNED,
                        follow_up_due_at__lte=now + timedelta(days=1),
                    )
                    .for_list()
                    .order_by("follow_up_due_at")[:ROWS]
                ),
                "url": reverse("leads:list") + "?state=assigned",
                "empty": _("Your team follows up every lead in time."),
            }
        )
    if user.role in {Role.MARKETING, Role.ADMIN}:
        panels.append(
            {
                "title": _("Possible duplicates to merge"),
                "leads": list(
                    Lead.objects.open()
                    .filter(duplicate_of__isnull=False)
                    .for_list()
                    .order_by("-id")[:ROWS]
                ),
                "url": reverse("leads:list") + "?duplicate=true",
                "empty": _("No open lead looks like another one."),
            }
        )
        panels.append(
            {
                "title": _("Leads waiting in the pools"),
                "leads": list(
                    Lead.objects.filter(state=LeadState.NEW)
                    .for_list()
                    .order_by("-score", "-id")[:ROWS]
                ),
                "url": reverse("leads:pool"),
                "empty": _("Every lead has an owner."),
            }
        )
    return panels
