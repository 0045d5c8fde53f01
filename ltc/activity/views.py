from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.pages import keyset_page

from .models import Notification


@login_required
def notifications(request):
    qs = Notification.objects.shown_to(request.user).order_by("-created_at", "-id")
    page = keyset_page(request, qs)
    return render(
        request, "activity/notifications.html", {"page": page, "title": _("Notifications")}
    )


@login_required
@require_POST
def mark_all_read(request):
    count = (
        Notification.objects.shown_to(request.user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications")


@login_required
def preferences(request):
    """Per kind: in the app and/or by e-mail; and the morning digest."""
    from . import notices, outbox
    from .models import MorningDigest

    kinds = notices.kinds()
    if request.method == "POST":
        choices = {
            kind: (f"app-{kind}" in request.POST, f"email-{kind}" in request.POST) for kind in kinds
        }
        outbox.set_preferences(user=request.user, choices=choices, digest="digest" in request.POST)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notification-preferences")
    chosen = outbox.preferences([request.user.pk])
    rows = [
        {
            "kind": kind,
            "label": notices.describe(kind),
            "in_app": chosen.get((request.user.pk, kind), (True, True))[0],
            "email": chosen.get((request.user.pk, kind), (True, True))[1],
        }
        for kind in kinds
    ]
    return render(
        request,
        "activity/preferences.html",
        {
            "title": _("Notification settings"),
            "rows": rows,
            "digest": MorningDigest.objects.filter(user=request.user).exists(),
            "has_email": bool(request.user.email),
        },
    )
