from django.urls import reverse
from django.utils.functional import SimpleLazyObject

# A view that read the viewer's unread count already (folded into its own query) leaves it on the
# request under this name; the header then shows it without a query of its own.
UNREAD_ON_REQUEST = "ltc_unread_notifications"


def navigation(request):
    """The header's notification count and the role-aware menu, one query at most: the count is
    read when a template shows it (a partial for htmx does not), and not at all when the view
    folded it into its own query (``UNREAD_ON_REQUEST``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from ltc.activity.models import Notification  # cross-cutting app, no chain import
    from ltc.org.navigation import menu_for

    def unread() -> int:
        folded = getattr(request, UNREAD_ON_REQUEST, None)
        if folded is not None:
            return folded
        return Notification.objects.shown_to(user).filter(read_at__isnull=True).count()

    return {
        "unread_notifications": SimpleLazyObject(unread),
        "menu": menu_for(user, current=request.path),
        "api_docs_url": reverse("api-docs"),
    }
