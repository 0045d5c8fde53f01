"""Login throttling: django-axes counts failed logins per user name and address and locks the
pair out for a while after ``AXES_FAILURE_LIMIT`` failures (the login page and ``auth/token/``)."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check for every login that comes from a web request.

    ``authenticate()`` without a request is a programmatic call (a management command, the test
    client's ``login()``): nobody can reach it from the network, so there is nothing to throttle,
    and axes' own backend would refuse it with an exception instead of letting it through.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response, credentials):
    """What a locked-out login gets: 429 with the lockout page, or ``{"detail"}`` on the API."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed logins for this user name. Try again in %(minutes)d minutes "
        "or ask an administrator to unlock the account."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "security/locked_out.html", {"message": message}, status=429)


def lockout_username(request, credentials=None) -> str | None:
    """The user name django-axes counts failed logins under: what was typed, cut to the length a
    user name may have (a longer one is no user's; stored whole, it overflowed axes' column)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if username is None:
        return None
    return str(username)[:150]
