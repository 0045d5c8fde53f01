"""Invoices, credit notes, payments and receivables over REST: every change goes through a
service; the POSTs that create money records (invoices, payments) accept ``Idempotency-Key``."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED
from ltc.idempotency.services import IDEMPOTENCY_KEY_PARAMETER, idempotent

from .. import invoiceable, selectors, services
from ..filters import InvoiceFilter, PaymentFilter
from ..models import Allocation, CreditNote, Invoice, Payment
from .serializers import (
    AllocateSerializer,
    BillingReceivablesSerializer,
    CreditNoteSerializer,
    InvoiceableSerializer,
    InvoiceCreateSerializer,
    InvoiceReasonSerializer,
    InvoiceSerializer,
    IssueSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    ReleaseSerializer,
)

INVALID = OpenApiResponse(description="Invalid input")
NOT_VISIBLE = OpenApiResponse(description="Not visible")
REPLAY_CONFLICT = OpenApiResponse(description="The Idempotency-Key was used with a different body")
ERRORS = {400: INVALID, 403: FORBIDDEN, 404: NOT_VISIBLE, 409: REFUSED}
INVOICE_RESPONSES = {200: InvoiceSerializer, **ERRORS}
MAX_QUEUE_ROWS = 500


def _invoices(queryset=None):
    queryset = Invoice.objects.all() if queryset is None else queryset
    return queryset.select_related("customer", "contract", "order", "credit_note").prefetch_related(
        "lines"
    )


def _payments(queryset=None):
    queryset = Payment.objects.all() if queryset is None else queryset
    return queryset.select_related("customer").prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related("invoice").order_by("id"),
        )
    )


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices of the contracts the caller may see: draft → issued → partially paid → paid, or
    void through a credit note. Finance (admins, the ERP) create, issue and void them."""

    serializer_class = InvoiceSerializer
    queryset = Invoice.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = InvoiceFilter
    ordering_fields = ["created_at", "issued_on", "due_date", "amount", "number", "id"]
    ordering = ["-created_at", "-id"]

    def _visible(self):
        return Invoice.objects.visible_to(self.request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return _invoices(self._visible()).order_by("-created_at", "-id")

    def _invoice(self) -> Invoice:
        return get_object_or_404(self._visible(), pk=self.kwargs["pk"])

    def _answer(self, invoice: Invoice, code=status.HTTP_200_OK) -> Response:
        return Response(InvoiceSerializer(_invoices().get(pk=invoice.pk)).data, status=code)

    @extend_schema(
        request=InvoiceCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: InvoiceSerializer, 422: REPLAY_CONFLICT, **ERRORS},
        summary="A draft invoice of an order (accepted work) or a contract (a milestone due now); "
        "409 with `invoiceable` above what may be invoiced",
    )
    def create(self, request, *args, **kwargs):
        def handler():
            body = InvoiceCreateSerializer(data=request.data, context={"request": request})
            body.is_valid(raise_exception=True)
            invoice = services.create_invoice(by=request.user, **body.validated_data)
            return self._answer(invoice, status.HTTP_201_CREATED)

        return idempotent(request, scope="invoices.create", handler=handler)

    @extend_schema(
        request=IssueSerializer,
        responses=INVOICE_RESPONSES,
        summary="Issue a draft: numbered (gapless per year), dated, due after its days to pay",
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        invoice = self._invoice()
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.issue_invoice(invoice=invoice, by=request.user, on=body.validated_data["date"])
        )

    @extend_schema(
        request=InvoiceReasonSerializer,
        responses=INVOICE_RESPONSES,
        summary="Void an issued, unpaid invoice with a credit note (what it held is invoiceable "
        "again)",
    )
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        invoice = self._invoice()
        body = InvoiceReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason") or _("Voided through the API")
        services.void_invoice(invoice=invoice, by=request.user, reason=reason)
        return self._answer(invoice)

    @extend_schema(
        request=InvoiceReasonSerializer, responses=INVOICE_RESPONSES, summary="Cancel a draft"
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        invoice = self._invoice()
        body = InvoiceReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.cancel_draft(
            invoice=invoice, by=request.user, reason=body.validated_data.get("reason", "")
        )
        return self._answer(invoice)

    @extend_schema(
        responses={200: BillingReceivablesSerializer},
        summary="Receivables: aging per currency and per customer, DSO, order-to-cash days",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def receivables(self, request):
        summary = selectors.receivables_summary(self._visible())
        return Response(BillingReceivablesSerializer(summary).data)


class CreditNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Credit notes (each voids one invoice for its full amount), read-only."""

    serializer_class = CreditNoteSerializer
    queryset = CreditNote.objects.none()
    ordering = ["-issued_on", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            CreditNote.objects.visible_to(self.request.user)
            .select_related("invoice")
            .order_by("-issued_on", "-id")
        )


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Payments received, with their allocations to invoices; what is not allocated is the
    customer's unapplied credit."""

    serializer_class = PaymentSerializer
    queryset = Payment.objects.none()
    filterset_class = PaymentFilter
    ordering_fields = ["received_on", "amount", "created_at", "id"]
    ordering = ["-received_on", "-id"]

    def _visible(self):
        return Payment.objects.visible_to(self.request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return _payments(self._visible()).order_by("-received_on", "-id")

    def _payment(self) -> Payment:
        return get_object_or_404(self._visible(), pk=self.kwargs["pk"])

    def _answer(self, payment: Payment, code=status.HTTP_200_OK) -> Response:
        return Response(PaymentSerializer(_payments().get(pk=payment.pk)).data, status=code)

    @extend_schema(
        request=PaymentCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: PaymentSerializer, 422: REPLAY_CONFLICT, **ERRORS},
        summary="Record a payment and allocate it; the same Idempotency-Key again answers the "
        "first payment, the same bank reference again is refused (409)",
    )
    def create(self, request, *args, **kwargs):
        def handler():
            body = PaymentCreateSerializer(data=request.data, context={"request": request})
            body.is_valid(raise_exception=True)
            data = body.validated_data
            payment = services.record_payment(
                by=request.user,
                customer=data["customer"],
                amount=data["amount"],
                currency=data["currency"],
                received_on=data["date"],
                reference=data["reference"],
                external_id=data.get("external_id", ""),
                note=data.get("note", ""),
                allocations=data.get("allocations") or [],
            )
            return self._answer(payment, status.HTTP_201_CREATED)

        return idempotent(request, scope="payments.create", handler=handler)

    @extend_schema(
        request=PaymentCreateSerializer,
        parameters=[
            OpenApiParameter(
                "external_id",
                str,
                OpenApiParameter.PATH,
                description="The id of the payment in the calling system (ERP), 1 to 100 "
                "characters; unique per customer.",
            )
        ],
        responses={
            200: OpenApiResponse(PaymentSerializer, description="Recorded before: the payment"),
            201: OpenApiResponse(PaymentSerializer, description="Recorded now"),
            **ERRORS,
        },
        summary="Record a payment once per ERP id: the same id again answers the payment "
        "recorded (nothing new), whatever the body; payments are never overwritten",
    )
    @action(
        detail=False,
        methods=["put"],
        url_path=r"by-external-id/(?P<external_id>[^/]{1,100})",
        filter_backends=[],
        pagination_class=None,
    )
    def by_external_id(self, request, external_id=None):
        body = PaymentCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        external_id = external_id.strip()
        found = self._visible().filter(customer=data["customer"], external_id=external_id).first()
        if found is not None:
            return self._answer(found)
        try:
            payment = services.record_payment(
                by=request.user,
                customer=data["customer"],
                amount=data["amount"],
                currency=data["currency"],
                received_on=data["date"],
                reference=data["reference"],
                external_id=external_id,
                note=data.get("note", ""),
                allocations=data.get("allocations") or [],
            )
        except services.DuplicatePayment as exc:
            # recorded by a concurrent call with this id: its answer; another id's bank
            # reference stays a 409
            same = self._visible().filter(pk=exc.payment_id, external_id=external_id).first()
            if same is None:
                raise
            return self._answer(same)
        return self._answer(payment, status.HTTP_201_CREATED)

    @extend_schema(
        request=AllocateSerializer,
        responses={200: PaymentSerializer, **ERRORS},
        summary="Allocate unapplied credit to invoices",
    )
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        payment = self._payment()
        body = AllocateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.allocate_payment(
            payment=payment, by=request.user, allocations=data["allocations"], on=data["date"]
        )
        return self._answer(payment)

    @extend_schema(
        request=ReleaseSerializer,
        responses={200: PaymentSerializer, **ERRORS},
        summary="Release one of the payment's allocations (the invoice owes it again)",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        payment = self._payment()
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        allocation = payment.allocations.filter(pk=body.validated_data["allocation"]).first()
        if allocation is None:
            raise serializers.ValidationError({"allocation": [_("Not one of this payment's.")]})
        services.release_allocation(
            allocation=allocation, by=request.user, reason=body.validated_data["reason"]
        )
        return self._answer(payment)


class InvoiceableViewSet(viewsets.ViewSet):
    """What may be invoiced now, following the contracts' payment terms: orders with accepted
    work not yet invoiced at its acceptance share, and contracts with advance or dated
    milestones due now; each says which milestone its amounts belong to and why the rest is not
    invoiceable yet (``reasons``)."""

    @extend_schema(
        responses={200: InvoiceableSerializer},
        summary="The invoiceable work queue",
        operation_id="v1_billing_invoiceable",
    )
    def list(self, request):
        user = request.user
        today = timezone.localdate()
        orders = invoiceable.top_orders(user, MAX_QUEUE_ROWS)
        contracts = []
        for contract in invoiceable.queue_contracts(user).order_by("number")[:MAX_QUEUE_ROWS]:
            contract.figures = invoiceable.figures_of_contract(contract, today)
            if contract.figures.invoiceable > 0:
                contracts.append(contract)
        return Response(InvoiceableSerializer({"orders": orders, "contracts": contracts}).data)
