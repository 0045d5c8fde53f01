"""Security headers Django does not set itself: a Content-Security-Policy and a
Permissions-Policy. (X-Content-Type-Options, X-Frame-Options, Referrer-Policy and
Cross-Origin-Opener-Policy come from Django's SecurityMiddleware and XFrameOptionsMiddleware.)

Every script, style sheet and image is served from our own origin (htmx, ECharts and our
scripts are vendored), so nothing may load from anywhere else, and no page runs an inline script
or handler: confirmations, the language switch and printing are ``data-`` attributes that
``static/js/ltc.js`` acts on. An injected ``<script>`` or ``onerror=`` therefore never runs. The
API docs page alone (ltc/security/docs.py) sets its own policy, since Swagger UI boots inline.
"""

from django.conf import settings


def policy_header(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = policy_header(settings.LTC_CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", settings.LTC_PERMISSIONS_POLICY)
        return response
