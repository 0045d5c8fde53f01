"""The manager's funnel at a glance on the workbench: the same figure as the funnel dashboard
(``figures.funnel``), for the teams they lead, this year."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register
from ltc.org.models import Role

from . import figures
from .periods import year
from .scope import may_see_manager_dashboard, resolve_scope


def _dashboard_url() -> str:
    try:
        return reverse("dashboards:manager")
    except NoReverseMatch:  # the dashboard pages are optional for the panel
        return reverse("opportunities:board")


@register
def funnel_panel(user) -> list[dict]:
    if not (user.role in {Role.MANAGER, Role.ADMIN} or user.is_superuser):
        return []
    if not may_see_manager_dashboard(user):
        return []
    data = figures.funnel(resolve_scope(user), year(timezone.localdate().year))
    stages = [s for s in data["stages"] if s["process"] == data["stages"][0]["process"]]
    widest = max((s["open_count"] for s in stages), default=0)
    if not widest:
        stages = []  # the template shows the empty text
    return [
        {
            "title": _("The funnel at a glance"),
            "bars": [
                {
                    "label": f"{s['order']} {s['name']}",
                    "count": s["open_count"],
                    "amount": s["open_amount"],
                    "width": round(100 * s["open_count"] / (widest or 1)),
                    "conversion": s["conversion"],
                }
                for s in stages
            ],
            "currency": data["currency"],
            "won": data["closed"]["won"],
            "url": _dashboard_url(),
            "empty": _("No open deal in your teams."),
        }
    ]
