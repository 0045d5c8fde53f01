from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..models import User
from ..scoping import visible_users
from .serializers import UserSerializer


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """The users the caller may see (and pick as an owner); ``me`` answers the caller."""

    serializer_class = UserSerializer
    queryset = User.objects.none()  # the schema's model; requests use get_queryset
    filterset_fields = ["role", "team"]
    ordering_fields = ["username", "id"]
    ordering = ["username"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return visible_users(self.request.user).select_related("team").order_by("username")

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def me(self, request):
        # Not type(request.user): with session auth that is the lazy wrapper, not the model.
        user = User.objects.select_related("team").get(pk=request.user.pk)
        return Response(UserSerializer(user).data)
