"""A person's API tokens: ``POST auth/token/`` (user name, password, client) issues one, the API
``auth/tokens/`` and the page ``account/tokens/`` list the caller's own and revoke them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ltc.core.api_defaults import JSONParser
from ltc.core.errors import DomainError
from ltc.core.views import flash_refusal

from .forms import TokenForm
from .models import UserToken
from .tokens import issue_user_token, revoke_user_token


class ObtainUserToken(ObtainAuthToken):
    """User name and password → a new token for the named client or device."""

    # ObtainAuthToken names its parsers; ours refuses a body nested too deeply with a 400.
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    permission_classes = [AllowAny]

    def post(self, request, *args, **kwargs):
        # Django's own request, not DRF's wrapper: django-axes flags a locked-out login on it,
        # and its middleware (which sees only Django's request) turns that into the 429.
        serializer = self.serializer_class(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        client = request.data.get("client", "api")
        if not isinstance(client, str):
            return Response({"client": [_("Name the client or device.")]}, status=400)
        token, key = issue_user_token(user=serializer.validated_data["user"], name=client)
        return Response({"token": key, "client": token.name, "expires": token.expires_at})


obtain_user_token = ObtainUserToken.as_view()


class UserTokenSerializer(serializers.ModelSerializer):
    client = serializers.CharField(source="name", read_only=True)
    usable = serializers.BooleanField(source="is_usable", read_only=True)

    class Meta:
        model = UserToken
        fields = [
            "id",
            "client",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "usable",
        ]
        read_only_fields = fields


class UserTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens (never the keys); DELETE revokes one (it stays listed)."""

    serializer_class = UserTokenSerializer
    queryset = UserToken.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return UserToken.objects.of(self.request.user)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        revoke_user_token(token=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@login_required
def tokens_page(request):
    """The user's tokens, a form to issue one (its key shown once) and revoke buttons."""
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = issue_user_token(user=request.user, name=form.cleaned_data["client"])
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            form = TokenForm()
    tokens = UserToken.objects.of(request.user)[:100]
    return render(
        request,
        "security/tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key, "title": _("API tokens")},
    )


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(UserToken.objects.of(request.user), pk=pk)
    revoke_user_token(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("security:tokens")
