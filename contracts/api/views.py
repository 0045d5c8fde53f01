"""Quotes, contracts and change requests over REST: every change goes through a service; the
exception handler turns the services' errors into 400/403/409 with ``detail`` and ``missing``."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED, ScopedViewSet
from opportunities.api.serializers import AssessmentSerializer, DecisionSerializer

from .. import services
from ..filters import ChangeRequestFilter, ContractFilter, QuoteFilter
from ..models import ChangeRequest, Contract, ContractVersion, Quote
from .serializers import (
    CancelSerializer,
    ChangeAssessmentSerializer,
    ChangeRequestCreateSerializer,
    ChangeRequestSerializer,
    ClearRiskSerializer,
    ContractCostSerializer,
    ContractCreateSerializer,
    ContractDetailSerializer,
    ContractSerializer,
    ContractUpdateSerializer,
    ContractVersionSerializer,
    EvaluationSerializer,
    QuoteCostsSerializer,
    QuoteCreateSerializer,
    QuoteRevisionSerializer,
    QuoteSerializer,
    QuoteUpdateSerializer,
    SignSerializer,
)

INVALID = OpenApiResponse(description="Invalid input")
NOT_VISIBLE = OpenApiResponse(description="Not visible")
ERRORS = {400: INVALID, 403: FORBIDDEN, 404: NOT_VISIBLE, 409: REFUSED}
QUOTE_RESPONSES = {200: QuoteSerializer, **ERRORS}
CONTRACT_RESPONSES = {200: ContractDetailSerializer, **ERRORS}
CHANGE_RESPONSES = {200: ChangeRequestSerializer, **ERRORS}


def _quotes(queryset=None):
    queryset = Quote.objects.all() if queryset is None else queryset
    return queryset.select_related("opportunity").prefetch_related("lines")


def _contracts(queryset=None):
    queryset = Contract.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "customer", "opportunity", "review", "evaluation"
    ).prefetch_related("terms")


def _changes(queryset=None):
    queryset = ChangeRequest.objects.all() if queryset is None else queryset
    return queryset.select_related("contract")


# Quotes ------------------------------------------------------------------------------------------
class QuoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Quotes of the deals the caller may see. A draft is edited; a sent one is revised into a
    new version. A discount above the threshold needs a manager's approval before sending."""

    serializer_class = QuoteSerializer
    actions_of = staticmethod(services.quote_actions)
    queryset = Quote.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = QuoteFilter
    ordering_fields = ["created_at", "valid_until", "total", "version", "id"]
    ordering = ["-created_at", "-id"]

    default_order = ("-created_at", "-id")

    def related(self, queryset):
        return _quotes(queryset)

    @extend_schema(
        request=QuoteCreateSerializer,
        responses={201: QuoteSerializer, **ERRORS},
        summary="Quote a deal (its next version if it has one)",
    )
    def create(self, request, *args, **kwargs):
        body = QuoteCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        quote = services.create_quote(by=request.user, **body.validated_data)
        return self.answer(quote, status.HTTP_201_CREATED)

    @extend_schema(
        request=QuoteUpdateSerializer,
        responses=QUOTE_RESPONSES,
        summary="Edit a draft quote (lines, validity, notes)",
    )
    def partial_update(self, request, *args, **kwargs):
        quote = self.scoped_object()
        body = QuoteUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.update_quote(quote=quote, by=request.user, **body.validated_data)
        )

    @extend_schema(
        request=None, responses=QUOTE_RESPONSES, summary="Ask a manager to approve the discount"
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.answer(services.submit_quote(quote=self.scoped_object(), by=request.user))

    @extend_schema(
        request=DecisionSerializer, responses=QUOTE_RESPONSES, summary="Approve the discount"
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(
        request=DecisionSerializer,
        responses=QUOTE_RESPONSES,
        summary="Refuse the discount with a reason (back to draft)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool) -> Response:
        quote = self.scoped_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.decide_quote(
                quote=quote, by=request.user, approve=approve, **body.validated_data
            )
        )

    @extend_schema(
        request=QuoteCostsSerializer,
        responses=QUOTE_RESPONSES,
        summary="Enter the lines' unit costs (the deal's SR, finance or a manager; never its AR)",
    )
    @action(detail=True, methods=["post"])
    def costs(self, request, pk=None):
        quote = self.scoped_object()
        body = QuoteCostsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.set_quote_costs(
                quote=quote, by=request.user, costs=body.validated_data["lines"]
            )
        )

    @extend_schema(request=None, responses=QUOTE_RESPONSES, summary="Send to the customer")
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self.answer(services.send_quote(quote=self.scoped_object(), by=request.user))

    @extend_schema(request=None, responses=QUOTE_RESPONSES, summary="The customer accepted it")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self.answer(
            services.record_quote_answer(quote=self.scoped_object(), by=request.user, accepted=True)
        )

    @extend_schema(request=None, responses=QUOTE_RESPONSES, summary="The customer declined it")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self.answer(
            services.record_quote_answer(
                quote=self.scoped_object(), by=request.user, accepted=False
            )
        )

    @extend_schema(
        request=QuoteRevisionSerializer,
        responses={201: QuoteSerializer, **ERRORS},
        summary="A new version from this one's lines (the current one is superseded)",
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        quote = self.scoped_object()
        body = QuoteRevisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revised = services.revise_quote(quote=quote, by=request.user, **body.validated_data)
        return self.answer(revised, status.HTTP_201_CREATED)


# Contracts ---------------------------------------------------------------------------------------
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Contracts the caller may see (finance sees all of them). A draft is edited; the state moves
    only through the actions; a signed contract changes by change request, into a new version."""

    serializer_class = ContractSerializer
    actions_of = staticmethod(services.contract_actions)
    queryset = Contract.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = ContractFilter
    ordering_fields = ["created_at", "amount", "signed_on", "number", "id"]
    ordering = ["-created_at", "-id"]

    default_order = ("-created_at", "-id")
    answer_serializer_class = ContractDetailSerializer

    def related(self, queryset):
        return _contracts(queryset)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ContractDetailSerializer
        return ContractSerializer

    @extend_schema(
        request=ContractCreateSerializer,
        responses={201: ContractDetailSerializer, **ERRORS},
        summary="Draft the contract of a deal in its signing stage",
    )
    def create(self, request, *args, **kwargs):
        body = ContractCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        contract = services.create_contract(by=request.user, **body.validated_data)
        return self.answer(contract, status.HTTP_201_CREATED)

    @extend_schema(
        request=ContractUpdateSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Edit a draft contract (its amount, terms and review facts)",
    )
    def partial_update(self, request, *args, **kwargs):
        contract = self.scoped_object()
        body = ContractUpdateSerializer(
            data=request.data, context={"request": request, "contract": contract}
        )
        body.is_valid(raise_exception=True)
        return self.answer(
            services.update_contract(contract=contract, by=request.user, **body.validated_data)
        )

    @extend_schema(
        request=ContractCostSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Enter the draft's cost (the deal's SR, finance or a manager; never its AR): "
        "the margin is computed from it",
    )
    @action(detail=True, methods=["post"])
    def costs(self, request, pk=None):
        contract = self.scoped_object()
        body = ContractCostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.assess_contract_cost(
                contract=contract,
                by=request.user,
                cost_amount=body.validated_data["cost_amount"],
                note=body.validated_data["note"],
            )
        )

    @extend_schema(
        request=ClearRiskSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Clear the draft's risk flag with a reason (the deal's SR or FR or a manager; "
        "never its AR)",
    )
    @action(detail=True, methods=["post"], url_path="clear-risk")
    def clear_risk(self, request, pk=None):
        contract = self.scoped_object()
        body = ClearRiskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.clear_contract_risk(
                contract=contract, by=request.user, reason=body.validated_data["reason"]
            )
        )

    @extend_schema(
        request=AssessmentSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Into the contract review (a risky or thin-margin one escalates)",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        contract = self.scoped_object()
        body = AssessmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.submit_contract(contract=contract, by=request.user, **body.validated_data)
        )

    @extend_schema(
        request=DecisionSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Approve the review (an escalated one needs a second, higher approver)",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(
        request=DecisionSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Reject the review with a reason (back to draft)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool) -> Response:
        contract = self.scoped_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.decide_contract(
                contract=contract, by=request.user, approve=approve, **body.validated_data
            )
        )

    @extend_schema(
        request=SignSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Signed: the opportunity is won in the same transaction",
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        contract = self.scoped_object()
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.sign_contract(contract=contract, by=request.user, **body.validated_data)
        )

    @extend_schema(
        request=None,
        responses=CONTRACT_RESPONSES,
        summary="Delivery (the FR) accepts it: executing",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self.answer(services.accept_contract(contract=self.scoped_object(), by=request.user))

    @extend_schema(
        request=EvaluationSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Record (or correct) the closing evaluation",
    )
    @action(detail=True, methods=["post"])
    def evaluation(self, request, pk=None):
        contract = self.scoped_object()
        body = EvaluationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.record_evaluation(contract=contract, by=request.user, **body.validated_data)
        return self.answer(contract)

    @extend_schema(
        request=None,
        responses=CONTRACT_RESPONSES,
        summary="Close: everything delivered, invoiced and paid, and evaluated",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self.answer(services.close_contract(contract=self.scoped_object(), by=request.user))

    @extend_schema(
        request=CancelSerializer,
        responses=CONTRACT_RESPONSES,
        summary="Cancel before signing, with a reason",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        contract = self.scoped_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.cancel_contract(contract=contract, by=request.user, **body.validated_data)
        )

    @extend_schema(
        responses={200: ContractVersionSerializer(many=True), 404: NOT_VISIBLE},
        summary="The contract's versions, oldest first",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        contract = self.scoped_object()
        versions = ContractVersion.objects.filter(contract=contract).order_by("version")
        return Response(ContractVersionSerializer(versions, many=True).data)

    @extend_schema(
        methods=["GET"],
        responses={200: ChangeRequestSerializer(many=True), 404: NOT_VISIBLE},
        summary="The contract's change requests",
    )
    @extend_schema(
        methods=["POST"],
        request=ChangeRequestCreateSerializer,
        responses={201: ChangeRequestSerializer, **ERRORS},
        summary="Request a change of a signed contract",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def changes(self, request, pk=None):
        contract = self.scoped_object()
        if request.method == "GET":
            changes = _changes().filter(contract=contract)
            return Response(ChangeRequestSerializer(changes, many=True).data)
        body = ChangeRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = services.request_change(contract=contract, by=request.user, **body.validated_data)
        return Response(
            ChangeRequestSerializer(_changes().get(pk=change.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# Change requests ---------------------------------------------------------------------------------
class ChangeRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Change requests of the contracts the caller may see: requested → reviewed (FR and SR) →
    approved or rejected (a manager) → applied (a new contract version)."""

    serializer_class = ChangeRequestSerializer
    actions_of = staticmethod(services.change_actions)
    queryset = ChangeRequest.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = ChangeRequestFilter
    ordering_fields = ["requested_at", "decided_at", "id"]
    ordering = ["-requested_at", "-id"]

    default_order = ("-requested_at", "-id")

    def related(self, queryset):
        return _changes(queryset)

    @extend_schema(
        request=ChangeAssessmentSerializer,
        responses=CHANGE_RESPONSES,
        summary="The FR's (deliverability, cost) or SR's (technical) assessment",
    )
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        change = self.scoped_object()
        body = ChangeAssessmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.assess_change(change=change, by=request.user, **body.validated_data)
        )

    @extend_schema(
        request=DecisionSerializer, responses=CHANGE_RESPONSES, summary="Approve (a manager)"
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(
        request=DecisionSerializer,
        responses=CHANGE_RESPONSES,
        summary="Reject with a reason (a manager)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool) -> Response:
        change = self.scoped_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.decide_change(
                change=change, by=request.user, approve=approve, **body.validated_data
            )
        )

    @extend_schema(
        request=None,
        responses=CONTRACT_RESPONSES,
        summary="Apply an approved change: the contract with its new version",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        contract = services.apply_change(change=self.scoped_object(), by=request.user)
        return Response(ContractDetailSerializer(_contracts().get(pk=contract.pk)).data)
