"""``tenders/``: the tenders on the deals the caller may see (a tender is seen by whoever sees
its deal). Created and edited while in progress; submitted, won, lost and cancelled through
the actions, which answer 409 with every missing item."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED
from ltc.core.errors import InvalidInput
from ltc.org.models import User

from .. import services
from ..filters import TenderFilter
from ..models import Tender, TenderTask
from .serializers import (
    TenderBondReturnSerializer,
    TenderCancelSerializer,
    TenderLoseSerializer,
    TenderSerializer,
    TenderSubmitSerializer,
    TenderTaskDoneSerializer,
    TenderTaskInputSerializer,
    TenderWinSerializer,
)

INVALID = OpenApiResponse(description="Invalid input: the field is named")
NOT_VISIBLE = OpenApiResponse(description="Not visible")
ERRORS = {400: INVALID, 403: FORBIDDEN, 404: NOT_VISIBLE, 409: REFUSED}
ACTION_RESPONSES = {200: TenderSerializer, **ERRORS}

CREATE_EXAMPLE = OpenApiExample(
    "A metro line's tender",
    value={
        "opportunity": 42,
        "number": "ZB-2026-0117",
        "issuer": "Shanghai Metro procurement centre",
        "questions_due_at": "2026-12-10T17:00:00+08:00",
        "submission_due_at": "2026-12-18T09:30:00+08:00",
        "bond_amount": "50000.00",
        "bond_currency": "CNY",
        "price_currency": "CNY",
    },
    request_only=True,
)
SUBMIT_EXAMPLE = OpenApiExample(
    "Submitted at a price", value={"price": "1850000.00", "currency": "CNY"}, request_only=True
)
LOSE_EXAMPLE = OpenApiExample(
    "Lost to a cheaper bidder, the deal closed too",
    value={
        "winner": "Acme Rail Systems",
        "winning_price": "1720000.00",
        "winning_currency": "CNY",
        "note": "Lowest price won (经评审的最低投标价法).",
        "close_deal": True,
        "reason": "price",
        "lessons": "Price the service part separately next time.",
    },
    request_only=True,
)
TASK_EXAMPLE = OpenApiExample(
    "The SR writes the technical bid",
    value={"member": 7, "role": "sr", "task": "Technical bid", "due_on": "2026-12-15"},
    request_only=True,
)
REFUSAL_EXAMPLE = OpenApiExample(
    "Refused: everything missing at once",
    value={
        "detail": "The bid cannot be submitted yet.",
        "missing": [
            {"code": "submitted_price", "label": "The submitted price is given"},
            {"code": "team_tasks", "label": "Every task of the bid team is done"},
        ],
    },
    response_only=True,
    status_codes=["409"],
)


class TenderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TenderSerializer
    queryset = Tender.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = TenderFilter
    ordering_fields = ["submission_due_at", "created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            Tender.objects.visible_to(self.request.user)
            .select_related("opportunity")
            .prefetch_related(
                Prefetch("tasks", queryset=TenderTask.objects.select_related("member"))
            )
            .order_by("-created_at", "-id")
        )

    def _tender(self) -> Tender:
        return get_object_or_404(
            Tender.objects.visible_to(self.request.user).select_related("opportunity"),
            pk=self.kwargs["pk"],
        )

    def _answer(self, tender: Tender, code=status.HTTP_200_OK) -> Response:
        tender = self.get_queryset().get(pk=tender.pk)
        return Response(TenderSerializer(tender, context=self.get_serializer_context()).data, code)

    @extend_schema(
        examples=[CREATE_EXAMPLE, REFUSAL_EXAMPLE],
        responses={201: TenderSerializer, **ERRORS},
        summary="Record a tender on a deal (its deadlines become planned activities of the AR)",
    )
    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        tender = services.create_tender(
            opportunity=data.pop("opportunity"), by=request.user, **data
        )
        return self._answer(tender, status.HTTP_201_CREATED)

    @extend_schema(responses=ACTION_RESPONSES, summary="Edit a tender in progress")
    def update(self, request, *args, **kwargs):
        tender = self._tender()
        body = self.get_serializer(tender, data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        fields = {k: v for k, v in body.validated_data.items() if k in services.EDITABLE_FIELDS}
        if body.validated_data.get("opportunity", tender.opportunity) != tender.opportunity:
            raise InvalidInput(_("A tender stays on its deal."), "opportunity")
        return self._answer(services.update_tender(tender=tender, by=request.user, **fields))

    @extend_schema(
        request=TenderTaskInputSerializer,
        examples=[TASK_EXAMPLE],
        responses={201: TenderSerializer, **ERRORS},
        summary="Give someone of the bid team a task with a due date",
    )
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk=None):
        tender = self._tender()
        body = TenderTaskInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        member = User.objects.filter(pk=data.pop("member")).first()
        services.add_task(tender=tender, by=request.user, member=member, **data)
        return self._answer(tender, status.HTTP_201_CREATED)

    @extend_schema(
        request=TenderTaskDoneSerializer,
        responses=ACTION_RESPONSES,
        summary="Tick a bid-team task off",
    )
    @action(detail=True, methods=["post"], url_path="complete-task")
    def complete_task(self, request, pk=None):
        tender = self._tender()
        body = TenderTaskDoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = get_object_or_404(
            TenderTask.objects.filter(tender=tender), pk=body.validated_data["task"]
        )
        services.complete_task(task=task, by=request.user)
        return self._answer(tender)

    @extend_schema(
        request=TenderSubmitSerializer,
        examples=[SUBMIT_EXAMPLE, REFUSAL_EXAMPLE],
        responses=ACTION_RESPONSES,
        summary="Submit the bid at its price (every bid-team task done)",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._run(request, TenderSubmitSerializer, services.submit_tender)

    @extend_schema(
        request=TenderWinSerializer, responses=ACTION_RESPONSES, summary="Record the win"
    )
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        return self._run(request, TenderWinSerializer, services.win_tender)

    @extend_schema(
        request=TenderLoseSerializer,
        examples=[LOSE_EXAMPLE],
        responses=ACTION_RESPONSES,
        summary="Record the loss: the winning bidder and price (the winner joins the deal's "
        "competitors; close_deal closes the deal as lost with its loss review)",
    )
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        return self._run(request, TenderLoseSerializer, services.lose_tender)

    @extend_schema(
        request=TenderCancelSerializer,
        responses=ACTION_RESPONSES,
        summary="Cancel, with the reason",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._run(request, TenderCancelSerializer, services.cancel_tender)

    @extend_schema(
        request=TenderBondReturnSerializer,
        responses=ACTION_RESPONSES,
        summary="Record the return of the bid bond (after the result)",
    )
    @action(detail=True, methods=["post"], url_path="return-bond")
    def return_bond(self, request, pk=None):
        return self._run(request, TenderBondReturnSerializer, services.return_bond)

    def _run(self, request, serializer_class, service):
        tender = self._tender()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(service(tender=tender, by=request.user, **body.validated_data))
