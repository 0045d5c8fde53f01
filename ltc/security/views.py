"""``POST auth/token/``: the caller's token, replaced by a new one when it has expired."""

from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ltc.core.api_defaults import JSONParser

from .authentication import token_has_expired, token_lifetime


class ObtainExpiringAuthToken(ObtainAuthToken):
    # ObtainAuthToken names its parsers; ours refuses a body nested too deeply with a 400.
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request, *args, **kwargs):
        # Django's own request, not DRF's wrapper: django-axes flags a locked-out login on it,
        # and its middleware (which sees only Django's request) turns that into the 429.
        serializer = self.serializer_class(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, created = Token.objects.select_for_update().get_or_create(user=user)
            if not created and token_has_expired(token):
                token.delete()
                token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires": token.created + token_lifetime()})


obtain_expiring_auth_token = ObtainExpiringAuthToken.as_view()
