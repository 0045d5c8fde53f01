"""The OpenAPI description of a person's token (``Authorization: Token ltu_…``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class UserTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ltc.security.authentication.UserTokenAuthentication"
    name = "userToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token ltu_<prefix>_<secret>`: a person's token from `POST auth/token/` (user "
                "name, password, client) or the API tokens page; one per client or device, it "
                "expires after LTC_API_TOKEN_HOURS and is listed and revoked at `auth/tokens/`."
            ),
        }
