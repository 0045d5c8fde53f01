"""Complaints over REST: list, read, open, and the transitions as actions. Every change goes
through a service; the exception handler turns its errors into 400/403/409."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED
from ltc.core.errors import InvalidInput
from ltc.org.models import Role
from ltc.org.scoping import visible_users

from .. import services
from ..filters import ComplaintFilter
from ..models import Complaint
from .serializers import (
    CloseSerializer,
    CommentSerializer,
    ComplaintCreateSerializer,
    ComplaintSerializer,
    ReassignSerializer,
    ReopenSerializer,
    ResolveSerializer,
)

INVALID = OpenApiResponse(description="Invalid input (the field is named)")
NOT_VISIBLE = OpenApiResponse(description="Not visible")
ERRORS = {400: INVALID, 403: FORBIDDEN, 404: NOT_VISIBLE, 409: REFUSED}
ANSWER = {200: ComplaintSerializer, **ERRORS}
RELATED = ("customer", "contract", "order", "unit", "owner", "confirmation")

OPEN_EXAMPLE = OpenApiExample(
    "A damaged cabinet at one site",
    value={
        "unit": 41,
        "title": "Cabinet door dented on arrival",
        "description": "The customer's site engineer reported it at unpacking.",
        "category": "quality",
        "severity": "high",
    },
    request_only=True,
)
CLOSE_EXAMPLE = OpenApiExample(
    "Confirmed by the customer's site manager on the phone",
    value={
        "confirmed_by": "李工 (site manager)",
        "contact": 7,
        "channel": "phone",
        "confirmed_at": "2026-12-03T10:30:00+08:00",
        "note": "New door fitted, checked together.",
    },
    request_only=True,
)
REFUSAL_EXAMPLE = OpenApiExample(
    "Closing without the customer's confirmation",
    value={
        "detail": "The complaint cannot be closed yet.",
        "missing": [
            {"code": "confirmed_by", "label": "Who at the customer confirmed it"},
            {"code": "channel", "label": "How the customer confirmed it"},
            {"code": "confirmed_at", "label": "When the customer confirmed it"},
        ],
    },
    response_only=True,
    status_codes=["409"],
)


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints on the customers, contracts, orders and delivery units the caller sees:
    open → in_progress → resolved → closed (on the customer's recorded confirmation);
    resolved or closed → reopened → in_progress. Due times come from the severity's SLA."""

    serializer_class = ComplaintSerializer
    queryset = Complaint.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = ComplaintFilter
    ordering_fields = ["opened_at", "resolution_due_at", "severity", "id"]
    ordering = ["-opened_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            Complaint.objects.visible_to(self.request.user)
            .select_related(*RELATED)
            .order_by("-opened_at", "-id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _complaint(self) -> Complaint:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _answer(self, complaint, code=status.HTTP_200_OK) -> Response:
        fresh = Complaint.objects.select_related(*RELATED).get(pk=complaint.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _owner(self, owner_id):
        if owner_id is None:
            return None
        owner = visible_users(self.request.user).filter(pk=owner_id).first()
        if owner is None or owner.role == Role.INTEGRATION:
            raise InvalidInput(_("Pick an active person as the owner."), "owner")
        return owner

    @extend_schema(
        request=ComplaintCreateSerializer,
        responses={201: ComplaintSerializer, **ERRORS},
        summary="Open a complaint on a customer, contract, order or delivery unit",
        examples=[OPEN_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        data = dict(self._body(ComplaintCreateSerializer))
        data["owner"] = self._owner(data.get("owner"))
        complaint = services.open_complaint(by=request.user, **data)
        return self._answer(complaint, status.HTTP_201_CREATED)

    @extend_schema(
        request=CommentSerializer, responses=ANSWER, summary="Start work (the owner or a manager)"
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        complaint = self._complaint()
        data = self._body(CommentSerializer)
        return self._answer(services.start_complaint(complaint=complaint, by=request.user, **data))

    @extend_schema(
        request=ResolveSerializer,
        responses=ANSWER,
        summary="Resolved: what was done (the owner or a manager)",
        examples=[
            OpenApiExample(
                "Resolved", value={"resolution": "Door replaced on site."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        complaint = self._complaint()
        data = self._body(ResolveSerializer)
        return self._answer(
            services.resolve_complaint(
                complaint=complaint, by=request.user, resolution=data.get("resolution", "")
            )
        )

    @extend_schema(
        request=CloseSerializer,
        responses=ANSWER,
        summary="Closed on the customer's confirmation: who, how and when (409 lists what is "
        "missing)",
        examples=[CLOSE_EXAMPLE, REFUSAL_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        complaint = self._complaint()
        data = dict(self._body(CloseSerializer))
        contact_id = data.pop("contact", None)
        contact = None
        if contact_id is not None:
            contact = complaint.customer.contacts.filter(pk=contact_id).first()
            if contact is None:
                raise InvalidInput(_("The contact is not one of the customer's."), "contact")
        closed = services.close_complaint(
            complaint=complaint,
            by=request.user,
            confirmed_by=data.get("confirmed_by", ""),
            channel=data.get("channel", ""),
            confirmed_at=data.get("confirmed_at"),
            contact=contact,
            note=data.get("note", ""),
        )
        return self._answer(closed)

    @extend_schema(
        request=ReopenSerializer,
        responses=ANSWER,
        summary="Reopen a resolved or closed complaint, with the reason",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        complaint = self._complaint()
        data = self._body(ReopenSerializer)
        return self._answer(
            services.reopen_complaint(
                complaint=complaint, by=request.user, reason=data.get("reason", "")
            )
        )

    @extend_schema(
        request=ReassignSerializer,
        responses=ANSWER,
        summary="Give the complaint another owner (a manager above it)",
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        complaint = self._complaint()
        data = self._body(ReassignSerializer)
        owner = self._owner(data["owner"])
        return self._answer(
            services.reassign_complaint(complaint=complaint, by=request.user, owner=owner)
        )
