"""``products/`` and ``price-books/`` (with ``price-books/<id>/prices/``): read by every role,
written by admins and the ERP (its token needs ``catalogue:write``), upserted by external id."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, ScopedViewSet, by_external_id_action, external_id_parameter
from ltc.core.errors import InvalidInput

from .. import services
from ..models import PriceBook, PriceBookEntry, Product
from .serializers import PriceBookEntrySerializer, PriceBookSerializer, ProductSerializer

EXTERNAL_ID = external_id_parameter()
MAX_PRICES_PER_CALL = 1000


def upsert_responses(serializer) -> dict:
    return {
        200: OpenApiResponse(serializer, description="Updated"),
        201: OpenApiResponse(serializer, description="Created"),
        400: OpenApiResponse(description="Invalid input: field errors"),
        403: FORBIDDEN,
    }


class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """``GET``/``PUT`` ``<resource>/by-external-id/<id>/``: the ERP's id updates or creates."""

    serializer_class = ProductSerializer
    queryset = Product.objects.none()
    filterset_fields = ["family", "type", "active", "external_id"]
    search_fields = ["code", "name_zh_hans", "name_en"]
    ordering_fields = ["code", "id", "updated_at"]
    upsert = staticmethod(services.upsert_product)

    def related(self, queryset):
        return queryset.select_related("family")

    def perform_create(self, serializer):
        serializer.instance = services.save_product(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_product(
            by=self.request.user, product=serializer.instance, **serializer.validated_data
        )

    by_external_id = by_external_id_action(
        extend_schema(
            methods=["PUT"],
            request=ProductSerializer,
            parameters=[EXTERNAL_ID],
            responses=upsert_responses(ProductSerializer),
            summary="Upsert a product by the ERP's id: the same id updates, a new id creates",
        ),
        extend_schema(methods=["GET"], parameters=[EXTERNAL_ID], responses=ProductSerializer),
    )


class PriceBookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """``GET``/``PUT`` ``<resource>/by-external-id/<id>/``: the ERP's id updates or creates."""

    serializer_class = PriceBookSerializer
    queryset = PriceBook.objects.none()
    filterset_fields = ["is_standard", "currency", "active", "external_id"]
    search_fields = ["name"]
    ordering_fields = ["name", "valid_from", "id"]
    upsert = staticmethod(services.upsert_price_book)

    default_order = ("-is_standard", "name")

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

    by_external_id = by_external_id_action(
        extend_schema(
            methods=["PUT"],
            request=PriceBookSerializer,
            parameters=[EXTERNAL_ID],
            responses=upsert_responses(PriceBookSerializer),
            summary="Upsert a price book by the ERP's id: the same id updates, a new id creates",
        ),
        extend_schema(methods=["GET"], parameters=[EXTERNAL_ID], responses=PriceBookSerializer),
    )

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
