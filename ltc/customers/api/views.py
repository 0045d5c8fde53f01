from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.audit.api.views import FieldHistoryMixin
from ltc.core.api import FORBIDDEN, ScopedViewSet, by_external_id_action, external_id_parameter

from .. import services
from ..merging import merge_customers
from ..models import Contact, Customer
from .pool import CustomerPoolActions
from .serializers import (
    ContactSerializer,
    CustomerSerializer,
    DuplicatesSerializer,
    MergeCustomerSerializer,
)

EXTERNAL_ID = external_id_parameter()


class CustomerViewSet(
    CustomerPoolActions,
    FieldHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # the schema's model; requests use get_queryset
    filterset_fields = ["owner", "team", "industry", "region", "external_id"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "id"]
    default_order = ("name", "id")
    upsert = staticmethod(services.upsert_customer)

    def related(self, queryset):
        return queryset.select_related("owner")

    def perform_create(self, serializer):
        serializer.instance = services.create_customer(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_customer(
            customer=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    by_external_id = by_external_id_action(
        extend_schema(
            methods=["PUT"],
            request=CustomerSerializer,
            parameters=[EXTERNAL_ID],
            responses={
                200: OpenApiResponse(CustomerSerializer, description="Updated"),
                201: OpenApiResponse(CustomerSerializer, description="Created"),
                400: OpenApiResponse(description="Invalid input: field errors"),
                403: FORBIDDEN,
            },
            summary="Upsert a customer by the ERP's id: the same id updates, a new id creates",
            examples=[
                OpenApiExample(
                    "ERP customer",
                    value={
                        "name": "上海明辉机械有限公司",
                        "industry": "Machinery",
                        "region": "East",
                    },
                    request_only=True,
                )
            ],
        ),
        extend_schema(
            methods=["GET"],
            parameters=[EXTERNAL_ID],
            responses={200: CustomerSerializer, 404: OpenApiResponse(description="Not visible")},
            summary="The customer the ERP knows by this id",
        ),
    )

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str),
            OpenApiParameter("tax_id", str),
            OpenApiParameter("phone", str),
        ],
        responses={200: DuplicatesSerializer},
        summary="Customers that look like the one described (the same warning as the forms)",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request):
        params = request.query_params
        warning = services.duplicate_warning(
            request.user,
            name=params.get("name", "")[:200],
            tax_id=params.get("tax_id", "")[:50],
            phone=params.get("phone", "")[:40],
        )
        return Response(
            {
                "customers": CustomerSerializer(warning["visible"], many=True).data,
                "hidden": warning["hidden"],
            }
        )

    @extend_schema(
        request=MergeCustomerSerializer,
        responses={
            200: CustomerSerializer,
            400: OpenApiResponse(description="Invalid input: field errors"),
            403: FORBIDDEN,
            404: OpenApiResponse(description="Not visible"),
        },
        summary="Merge a duplicate customer into this one, picking each field; every related "
        "row moves here",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        keep = self.get_object()
        body = MergeCustomerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = get_object_or_404(self.get_queryset(), pk=body.validated_data["other"])
        keep, _moved = merge_customers(
            keep=keep, other=other, by=request.user, picks=body.validated_data.get("picks") or {}
        )
        return Response(CustomerSerializer(keep).data)


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()  # the schema's model; requests use get_queryset
    filterset_fields = ["customer"]
    ordering_fields = ["name", "id"]
    default_order = ("name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.save_contact(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_contact(
            by=self.request.user, contact=serializer.instance, **serializer.validated_data
        )
