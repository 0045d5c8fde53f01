from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED
from ltc.core.errors import InvalidInput
from ltc.customers.models import Customer

from .. import services
from ..filters import RegistrationFilter
from ..models import DealRegistration
from .serializers import (
    RegistrationAcceptSerializer,
    RegistrationCreateSerializer,
    RegistrationRejectSerializer,
    RegistrationSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input"),
    403: FORBIDDEN,
    404: OpenApiResponse(description="Not visible"),
    409: REFUSED,
}
ACTION = {200: RegistrationSerializer, **ERRORS}
REGISTER_EXAMPLE = OpenApiExample(
    "A partner registers a deal",
    value={
        "customer_name": "华东钢铁集团有限公司",
        "project_name": "智能工厂 MES 一期",
        "amount": "800000.00",
        "currency": "CNY",
        "expected_close_date": "2027-06-30",
        "description": "Phase 1 of the MES roll-out; we hold the relationship with the plant IT.",
    },
    request_only=True,
)


@extend_schema(tags=["partners"])
class RegistrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Deal registrations (伙伴报备). Partner users register deals and read their own
    organisation's; the channel manager (or a manager above, or an admin) accepts or rejects
    them and renews a protection."""

    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter
    ordering_fields = ["created_at", "protected_until", "amount"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return DealRegistration.objects.none()
        return (
            DealRegistration.objects.visible_to(self.request.user)
            .for_list()
            .select_related("opportunity__stage")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_conflicts": self.action != "list"}

    def _answer(self, registration, code=status.HTTP_200_OK):
        registration = self.get_queryset().get(pk=registration.pk)
        return Response(self.get_serializer(registration).data, status=code)

    @extend_schema(
        request=RegistrationCreateSerializer,
        responses={201: RegistrationSerializer, **ERRORS},
        examples=[REGISTER_EXAMPLE],
        summary="Register a deal (a partner user); the conflict check runs at once",
    )
    def create(self, request):
        data = RegistrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.register_deal(by=request.user, **data.validated_data)
        return self._answer(registration, status.HTTP_201_CREATED)

    @extend_schema(
        request=RegistrationAcceptSerializer,
        responses=ACTION,
        examples=[
            OpenApiExample(
                "Accept with an AR",
                value={"owner": 5, "note": "Our own deal is stalled; the partner leads."},
                request_only=True,
            )
        ],
        summary="Accept: the E deal is created and protected for the partner",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        registration = self.get_object()
        data = RegistrationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = None
        if data.validated_data.get("customer"):
            customer = (
                Customer.objects.visible_to(request.user)
                .filter(pk=data.validated_data["customer"])
                .first()
            )
            if customer is None:
                raise InvalidInput(_("Choose a customer you see."), "customer")
        with transaction.atomic():
            registration = services.accept_registration(
                registration=registration,
                by=request.user,
                owner=data.validated_data["owner"],
                customer=customer,
                note=data.validated_data.get("note", ""),
            )
        return self._answer(registration)

    @extend_schema(
        request=RegistrationRejectSerializer,
        responses=ACTION,
        examples=[
            OpenApiExample(
                "Reject with a reason",
                value={"reason": "Our team has worked this project since last year."},
                request_only=True,
            )
        ],
        summary="Reject the registration, saying why",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        registration = self.get_object()
        data = RegistrationRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.reject_registration(
            registration=registration, by=request.user, reason=data.validated_data["reason"]
        )
        return self._answer(registration)

    @extend_schema(request=None, responses=ACTION, summary="Renew the partner's protection")
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        registration = self.get_object()
        registration = services.renew_registration(registration=registration, by=request.user)
        return self._answer(registration)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
