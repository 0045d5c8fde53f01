"""Orders, delivery units and the revenue ledger over REST: every change goes through a service;
the exception handler turns the services' errors into 400/403/409 with ``detail`` and ``missing``.
"""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ltc.core.api import (
    FORBIDDEN,
    REFUSED,
    ScopedViewSet,
    by_external_id_action,
    external_id_parameter,
)
from ltc.idempotency.services import IDEMPOTENCY_KEY_PARAMETER, idempotent

from .. import rules, services
from ..filters import OrderFilter, RevenueFilter, UnitFilter
from ..models import DeliveryUnit, Order, RevenueEntry, UnitState
from .serializers import (
    AcceptSerializer,
    BulkAcceptSerializer,
    CorrectionSerializer,
    DeliveryUnitSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    RevenueEntrySerializer,
    RevenueSummarySerializer,
    ShipSerializer,
    SummaryQuerySerializer,
)

INVALID = OpenApiResponse(description="Invalid input")
NOT_VISIBLE = OpenApiResponse(description="Not visible")
ERRORS = {400: INVALID, 403: FORBIDDEN, 404: NOT_VISIBLE, 409: REFUSED}
REPLAY_CONFLICT = OpenApiResponse(description="The Idempotency-Key was used with a different body")
EXTERNAL_ID = external_id_parameter(
    "The id of the PO in the calling system (ERP), 1 to 100 characters."
)
ORDER_EXAMPLE = OpenApiExample(
    "A PO with two sites",
    value={
        "contract": 12,
        "number": "PO-2030-001",
        "amount": "200000.00",
        "units": [
            {"name": "Site A", "kind": "site", "amount": "120000.00"},
            {"name": "Site B", "kind": "site", "amount": "80000.00"},
        ],
    },
    request_only=True,
)
UNIT_RESPONSES = {200: DeliveryUnitSerializer, **ERRORS}
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _orders(queryset=None):
    """Orders with their contract, units and what is left to order on the contract, in a fixed
    number of queries."""
    queryset = Order.objects.all() if queryset is None else queryset
    ordered = (
        Order.objects.filter(contract=OuterRef("contract"))
        .order_by()
        .values("contract")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        queryset.select_related("contract")
        .prefetch_related("units")
        .annotate(
            remaining_on_contract=F("contract__amount")
            - Coalesce(
                Subquery(ordered, output_field=MONEY), Value(Decimal("0")), output_field=MONEY
            )
        )
    )


def _units(queryset=None):
    queryset = DeliveryUnit.objects.all() if queryset is None else queryset
    return queryset.select_related("order")


# Orders ------------------------------------------------------------------------------------------
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Purchase orders of the contracts the caller may see, each with its delivery units. The
    state follows the units (open → delivering → delivered); it is never written."""

    serializer_class = OrderSerializer
    actions_of = staticmethod(rules.order_actions)
    queryset = Order.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = OrderFilter
    ordering_fields = ["order_date", "created_at", "amount", "number", "id"]
    ordering = ["-order_date", "-id"]
    default_order = ("-order_date", "-id")
    external_id_serializer_class = OrderCreateSerializer
    upsert = staticmethod(services.upsert_order)

    def related(self, queryset):
        return _orders(queryset)

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OrderSerializer, 422: REPLAY_CONFLICT, **ERRORS},
        summary="Place a PO under a signed contract, with its delivery units",
        examples=[ORDER_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        def handler():
            body = OrderCreateSerializer(data=request.data, context={"request": request})
            body.is_valid(raise_exception=True)
            order = services.create_order(by=request.user, **body.validated_data)
            return self.answer(order, status.HTTP_201_CREATED)

        return idempotent(request, scope="orders.create", handler=handler)

    by_external_id = by_external_id_action(
        extend_schema(
            request=OrderCreateSerializer,
            parameters=[EXTERNAL_ID],
            responses={
                200: OpenApiResponse(
                    OrderSerializer, description="Placed before with the same data"
                ),
                201: OpenApiResponse(OrderSerializer, description="Placed now"),
                **ERRORS,
            },
            summary="Place a PO once per ERP id: the same id and data again answer the order placed, "
            "other data under the same id are refused (409)",
            examples=[ORDER_EXAMPLE],
        ),
        methods=("put",),
    )


# Delivery units ----------------------------------------------------------------------------------
class DeliveryUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Delivery units of the orders the caller may see: planned → shipped → accepted (the customer
    signed the certificate; revenue is recognised then). The deal's FR or a manager acts."""

    serializer_class = DeliveryUnitSerializer
    actions_of = staticmethod(rules.unit_actions)
    queryset = DeliveryUnit.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = UnitFilter
    ordering_fields = ["shipped_on", "accepted_on", "amount", "id"]
    ordering = ["order", "id"]
    default_order = ("order", "id")

    def related(self, queryset):
        return _units(queryset)

    @extend_schema(
        request=ShipSerializer, responses=UNIT_RESPONSES, summary="Shipped (the FR or a manager)"
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        unit = self.scoped_object()
        body = ShipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        on = body.validated_data["date"]
        return self.answer(services.ship_unit(unit=unit, by=request.user, on=on))

    @extend_schema(
        request=AcceptSerializer,
        responses=UNIT_RESPONSES,
        summary="Accepted by the customer (certificate): revenue in the month of the date",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        unit = self.scoped_object()
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        accepted = services.accept_unit(
            unit=unit, by=request.user, certificate=data["certificate"], on=data["date"]
        )
        return self.answer(accepted)

    @extend_schema(
        request=BulkAcceptSerializer,
        responses={200: DeliveryUnitSerializer(many=True), **ERRORS},
        operation_id="v1_delivery_units_accept_many",
        summary="Accept several units with one certificate: all of them or none",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="accept",
        url_name="accept-many",
        pagination_class=None,
        filter_backends=[],
    )
    def accept_many(self, request):
        body = BulkAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        wanted = set(data["units"])
        units = list(self.visible().filter(pk__in=wanted))
        unknown = sorted(wanted - {unit.pk for unit in units})
        if unknown:
            raise serializers.ValidationError(
                {"units": [_("No such units: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]}
            )
        accepted = services.accept_units(
            units=units, by=request.user, certificate=data["certificate"], on=data["date"]
        )
        fresh = _units().filter(pk__in=[unit.pk for unit in accepted]).order_by("id")
        return Response(DeliveryUnitSerializer(fresh, many=True).data)

    @extend_schema(
        request=CorrectionSerializer,
        responses=UNIT_RESPONSES,
        summary="Correct an acceptance (a manager, with a reason): the revenue is reversed",
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        unit = self.scoped_object()
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.correct_acceptance(unit=unit, by=request.user, **body.validated_data)
        )


# Revenue -----------------------------------------------------------------------------------------
class RevenueViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The revenue ledger of the contracts the caller may see: an entry when a unit is accepted
    (in the month of its acceptance date), a reversing one when a manager corrects it."""

    serializer_class = RevenueEntrySerializer
    queryset = RevenueEntry.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = RevenueFilter
    ordering_fields = ["recognised_on", "period", "amount", "id"]
    ordering = ["-recognised_on", "-id"]

    default_order = ("-recognised_on", "-id")

    def related(self, queryset):
        return queryset.select_related("unit", "order", "contract")

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="The calendar year; this year if omitted")
        ],
        responses={200: RevenueSummarySerializer, 400: INVALID},
        summary="Revenue per month and currency in a year, and what is shipped but not accepted",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        entries = self.visible().filter(period__year=year).order_by()
        months = (
            entries.values("period", "currency")
            .annotate(amount=Sum("amount"))
            .order_by("period", "currency")
        )
        totals = entries.values("currency").annotate(amount=Sum("amount")).order_by("currency")
        pending = (
            DeliveryUnit.objects.visible_to(request.user)
            .filter(state=UnitState.SHIPPED)
            .order_by()
            .values(currency=F("order__currency"))
            .annotate(amount=Sum("amount"))
            .order_by("currency")
        )
        summary = {
            "year": year,
            "months": [
                {"month": row["period"].strftime("%Y-%m"), **_money_row(row)} for row in months
            ],
            "total": [_money_row(row) for row in totals],
            "delivered_not_accepted": [_money_row(row) for row in pending],
        }
        return Response(RevenueSummarySerializer(summary).data)


def _money_row(row: dict) -> dict:
    return {"currency": row["currency"], "amount": row["amount"]}
