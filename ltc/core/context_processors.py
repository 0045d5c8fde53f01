from django.urls import reverse


def navigation(request):
    """The header's notification count and the role-aware menu, one query at most."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from ltc.activity.models import Notification  # cross-cutting app, no chain import
    from ltc.org.navigation import menu_for

    return {
        "unread_notifications": Notification.objects.shown_to(user)
        .filter(read_at__isnull=True)
        .count(),
        "menu": menu_for(user, current=request.path),
        "api_docs_url": reverse("api-docs"),
    }
