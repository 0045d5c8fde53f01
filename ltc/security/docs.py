"""The OpenAPI schema and its Swagger UI page: open to anyone while DEBUG is on (a developer's
machine), behind a login otherwise, since the schema maps every endpoint and field an attacker
would probe. The docs page boots Swagger UI with an inline script, so it carries its own
Content-Security-Policy (``LTC_API_DOCS_CONTENT_SECURITY_POLICY``); every other page allows
scripts from our own files only."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated

from .middleware import policy_header


class _LoginUnlessDebug:
    def get_permissions(self):
        return [AllowAny() if settings.DEBUG else IsAuthenticated()]


class SchemaView(_LoginUnlessDebug, SpectacularAPIView):
    pass


class DocsView(_LoginUnlessDebug, SpectacularSwaggerView):
    def permission_denied(self, request, message=None, code=None):
        # The page is for a person at a browser: the login page, then back here.
        if not request.user.is_authenticated:
            raise _LoginRedirect(request)
        super().permission_denied(request, message=message, code=code)

    def handle_exception(self, exc):
        if isinstance(exc, _LoginRedirect):
            return redirect_to_login(exc.request.get_full_path())
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Content-Security-Policy"] = policy_header(
            settings.LTC_API_DOCS_CONTENT_SECURITY_POLICY
        )
        return response


class _LoginRedirect(Exception):
    def __init__(self, request):
        self.request = request
