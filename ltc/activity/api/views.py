from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED
from ltc.core.errors import InvalidInput

from .. import services
from ..models import PlannedActivity
from .serializers import (
    CancelPlannedActivitySerializer,
    PlanActivitySerializer,
    PlannedActivityOutcomeSerializer,
    PlannedActivitySerializer,
)


class PlannedActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Planned calls, meetings, visits, e-mails and to-dos on leads, deals, contracts, orders,
    invoices and customers; ``complete`` logs the activity through the record's rule."""

    serializer_class = PlannedActivitySerializer
    queryset = PlannedActivity.objects.none()
    filterset_fields = ["owner", "state", "kind"]
    ordering_fields = ["due_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            PlannedActivity.objects.visible_to(self.request.user)
            .select_related("owner")
            .order_by("due_at", "id")
        )

    @extend_schema(
        request=PlanActivitySerializer,
        responses={201: PlannedActivitySerializer, 400: OpenApiResponse(description="Bad input")},
        summary="Plan an activity on a record the caller may see",
    )
    def create(self, request):
        data = PlanActivitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        owner_id = values.pop("owner", None)
        owner = request.user
        if owner_id is not None:
            owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
            if owner is None:
                raise InvalidInput(_("No such user."), "owner")
        planned = services.plan_activity(by=request.user, owner=owner, **values)
        return Response(PlannedActivitySerializer(planned).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PlannedActivityOutcomeSerializer,
        responses={200: PlannedActivitySerializer, 403: FORBIDDEN, 409: REFUSED},
        summary="Complete it with its outcome (logs the activity: a follow-up, a visit)",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        planned = self.get_object()
        data = PlannedActivityOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        planned = services.complete_planned_activity(
            planned=planned, user=request.user, outcome=data.validated_data["outcome"]
        )
        return Response(PlannedActivitySerializer(planned).data)

    @extend_schema(
        request=CancelPlannedActivitySerializer,
        responses={200: PlannedActivitySerializer, 403: FORBIDDEN, 409: REFUSED},
        summary="Cancel it",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        planned = self.get_object()
        data = CancelPlannedActivitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        planned = services.cancel_planned_activity(
            planned=planned, user=request.user, reason=data.validated_data["reason"]
        )
        return Response(PlannedActivitySerializer(planned).data)
