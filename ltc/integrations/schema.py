"""OpenAPI: how the integration token appears in the schema (a bearer scheme)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ltc.integrations.authentication.IntegrationTokenAuthentication"
    name = "integrationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ltc_<prefix>_<secret>",
            "description": (
                "An integration token created by an administrator (shown once). Writes need "
                "the scope of the resource: leads:write, orders:write, billing:write."
            ),
        }
