"""Partner users work in their portal only: every other page and API answers 404 to them (the
same answer as a record they may not see), and the home page takes them to the portal. The
querysets agree: every internal ``visible_to`` is empty for a partner user."""

from django.http import Http404

# What a partner user may reach: the portal, its files, their notifications, their account
# (password, API tokens), signing out, the language switch, and their registrations in the API.
PARTNER_PATHS = (
    "/portal/",
    "/attachments/",
    "/notifications/",
    "/account/",
    "/logout/",
    "/login/",
    "/password-reset/",
    "/i18n/",
    "/static/",
    "/api/v1/auth/",
    "/api/v1/partner-registrations/",
)


def partner_may_reach(path: str) -> bool:
    return path.startswith(PARTNER_PATHS)


class PartnerPortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_partner", False):
            path = request.path_info
            if path == "/":
                from .views import portal

                return portal(request)  # a partner user's home is their portal
            if not partner_may_reach(path):
                raise Http404
        return self.get_response(request)


class PartnerAPIScope:
    """The same rule for the API, whose token users the middleware does not see yet: a partner
    user's call outside their registrations is a 404. A DRF permission (settings)."""

    def has_permission(self, request, view) -> bool:
        from rest_framework.exceptions import NotFound

        user = getattr(request, "user", None)
        if getattr(user, "is_partner", False) and not partner_may_reach(request.path_info):
            raise NotFound
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        return True
