"""``products/`` and ``price-books/`` (with ``price-books/<id>/prices/``): read by every role,
written by admins and the ERP (its token needs ``catalogue:write``), upserted by external id."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN
from ltc.core.errors import InvalidInput

from .. import services
from ..models import PriceBook, PriceBookEntry, Product
from .serializers import PriceBookEntrySerializer, PriceBookSerializer, ProductSerializer

EXTERNAL_ID = OpenApiParameter(
    "external_id",
    str,
    OpenApiParameter.PATH,
    description="The id of the record in the calling system (ERP), 1 to 100 characters.",
)
MAX_PRICES_PER_CALL = 1000


def upsert_responses(serializer) -> dict:
    return {
        200: OpenApiResponse(serializer, description="Updated"),
        201: OpenApiResponse(serializer, description="Created"),
        400: OpenApiResponse(description="Invalid input: field errors"),
        403: FORBIDDEN,
    }


class ExternalIdUpsert:
    """``GET``/``PUT`` ``<resource>/by-external-id/<id>/``: the ERP's id updates or creates."""

    upsert = None  # the service: (external_id, by, **fields) → (row, created)

    def _by_external_id(self, request, external_id):
        serializer_class = self.get_serializer_class()
        if request.method == "GET":
            row = get_object_or_404(self.get_queryset(), external_id=external_id)
            return Response(serializer_class(row).data)
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        row, created = type(self).upsert(
            external_id=external_id, by=request.user, **body.validated_data
        )
        return Response(
            serializer_class(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ProductViewSet(
    ExternalIdUpsert,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    queryset = Product.objects.none()
    filterset_fields = ["family", "type", "active", "external_id"]
    search_fields = ["code", "name_zh_hans", "name_en"]
    ordering_fields = ["code", "id", "updated_at"]
    upsert = staticmethod(services.upsert_product)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Product.objects.visible_to(self.request.user).select_related("family")

    def perform_create(self, serializer):
        serializer.instance = services.save_product(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_product(
            by=self.request.user, product=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        methods=["PUT"],
        request=ProductSerializer,
        parameters=[EXTERNAL_ID],
        responses=upsert_responses(ProductSerializer),
        summary="Upsert a product by the ERP's id: the same id updates, a new id creates",
    )
    @extend_schema(methods=["GET"], parameters=[EXTERNAL_ID], responses=ProductSerializer)
    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"by-external-id/(?P<external_id>[^/]{1,100})",
        filter_backends=[],
        pagination_class=None,
    )
    def by_external_id(self, request, external_id=None):
        return self._by_external_id(request, external_id)


class PriceBookViewSet(
    ExternalIdUpsert,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PriceBookSerializer
    queryset = PriceBook.objects.none()
    filterset_fields = ["is_standard", "currency", "active", "external_id"]
    search_fields = ["name"]
    ordering_fields = ["name", "valid_from", "id"]
    upsert = staticmethod(services.upsert_price_book)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return PriceBook.objects.visible_to(self.request.user).order_by("-is_standard", "name")

    def get_serializer_class(self):
        if self.action == "prices":
            return PriceBookEntrySerializer
        return PriceBookSerializer

    def perform_create(self, serializer):
        serializer.instance = services.save_price_book(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_price_book(
            by=self.request.user, price_book=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        methods=["PUT"],
        request=PriceBookSerializer,
        parameters=[EXTERNAL_ID],
        responses=upsert_responses(PriceBookSerializer),
        summary="Upsert a price book by the ERP's id: the same id updates, a new id creates",
    )
    @extend_schema(methods=["GET"], parameters=[EXTERNAL_ID], responses=PriceBookSerializer)
    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"by-external-id/(?P<external_id>[^/]{1,100})",
        filter_backends=[],
        pagination_class=None,
    )
    def by_external_id(self, request, external_id=None):
        return self._by_external_id(request, external_id)

    @extend_schema(
        methods=["POST"],
        request=PriceBookEntrySerializer(many=True),
        responses={200: PriceBookEntrySerializer(many=True), 400: None, 403: FORBIDDEN},
        summary="Set list prices: one object or a list of {product (code), list_price}; the "
        "same product again replaces its price",
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def prices(self, request, pk=None):
        book = self.get_object()
        if request.method == "GET":
            entries = (
                PriceBookEntry.objects.filter(price_book=book)
                .select_related("product", "product__family")
                .order_by("product__code", "id")
            )
            page = self.paginate_queryset(entries)
            return self.get_paginated_response(PriceBookEntrySerializer(page, many=True).data)
        many = isinstance(request.data, list)
        if many and not 0 < len(request.data) <= MAX_PRICES_PER_CALL:
            raise InvalidInput(
                _("Send 1 to %(max)d prices per call.") % {"max": MAX_PRICES_PER_CALL}, "prices"
            )
        body = PriceBookEntrySerializer(data=request.data, many=many)
        body.is_valid(raise_exception=True)
        rows = body.validated_data if many else [body.validated_data]
        with transaction.atomic():
            entries = [
                services.set_list_price(by=request.user, price_book=book, **row)[0] for row in rows
            ]
        data = PriceBookEntrySerializer(entries, many=True).data
        return Response(data if many else data[0])
