"""Security headers Django does not set itself: a Content-Security-Policy and a
Permissions-Policy. (X-Content-Type-Options, X-Frame-Options, Referrer-Policy and
Cross-Origin-Opener-Policy come from Django's SecurityMiddleware and XFrameOptionsMiddleware.)

Every script, style sheet and image is served from our own origin (htmx and the board script
are vendored), so nothing may load from anywhere else. Scripts keep 'unsafe-inline' because the
templates confirm destructive actions with ``onsubmit="return confirm(...)"`` handlers whose text
is translated (so no fixed hash can allow them) and the API docs page boots Swagger UI inline;
the other directives still stop remote scripts, plugins, framing, foreign form targets and
<base> hijacking.
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.LTC_CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", settings.LTC_PERMISSIONS_POLICY)
        return response
