"""Invoices, credit notes, payments and receivables over REST: every change goes through a
service; the POSTs that create money records (invoices, payments) accept ``Idempotency-Key``."""

from django.core.exceptions import BadRequest
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ltc.core.api import (
    FORBIDDEN,
    REFUSED,
    ScopedViewSet,
    by_external_id_action,
    external_id_parameter,
)
from ltc.core.api_defaults import Pagination
from ltc.core.pages import keyset_page
from ltc.idempotency.services import IDEMPOTENCY_KEY_PARAMETER, idempotent

from .. import invoiceable, rules, selectors, services
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


def _record(user, data: dict, external_id: str) -> Payment:
    """A payment described by a ``PaymentCreateSerializer`` body, recorded by its service."""
    return services.record_payment(
        by=user,
        customer=data["customer"],
        amount=data["amount"],
        currency=data["currency"],
        received_on=data["date"],
        reference=data["reference"],
        external_id=external_id,
        note=data.get("note", ""),
        allocations=data.get("allocations") or [],
    )


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Invoices of the contracts the caller may see: draft → issued → partially paid → paid, or
    void through a credit note. Finance (admins, the ERP) create, issue and void them."""

    serializer_class = InvoiceSerializer
    actions_of = staticmethod(rules.invoice_actions)
    queryset = Invoice.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = InvoiceFilter
    ordering_fields = ["created_at", "issued_on", "due_date", "amount", "number", "id"]
    ordering = ["-created_at", "-id"]
    default_order = ("-created_at", "-id")

    def related(self, queryset):
        return _invoices(queryset)

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
            return self.answer(invoice, status.HTTP_201_CREATED)

        return idempotent(request, scope="invoices.create", handler=handler)

    @extend_schema(
        request=IssueSerializer,
        responses=INVOICE_RESPONSES,
        summary="Issue a draft: numbered (gapless per year), dated, due after its days to pay",
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        invoice = self.scoped_object()
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
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
        invoice = self.scoped_object()
        body = InvoiceReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason") or _("Voided through the API")
        services.void_invoice(invoice=invoice, by=request.user, reason=reason)
        return self.answer(invoice)

    @extend_schema(
        request=InvoiceReasonSerializer, responses=INVOICE_RESPONSES, summary="Cancel a draft"
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        invoice = self.scoped_object()
        body = InvoiceReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.cancel_draft(
            invoice=invoice, by=request.user, reason=body.validated_data.get("reason", "")
        )
        return self.answer(invoice)

    @extend_schema(
        responses={200: BillingReceivablesSerializer},
        summary="Receivables: aging per currency and per customer, DSO, order-to-cash days",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def receivables(self, request):
        summary = selectors.receivables_summary(self.visible())
        return Response(BillingReceivablesSerializer(summary).data)


class CreditNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Credit notes (each voids one invoice for its full amount), read-only."""

    serializer_class = CreditNoteSerializer
    queryset = CreditNote.objects.none()
    ordering = ["-issued_on", "-id"]
    default_order = ("-issued_on", "-id")

    def related(self, queryset):
        return queryset.select_related("invoice")


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payments received, with their allocations to invoices; what is not allocated is the
    customer's unapplied credit."""

    serializer_class = PaymentSerializer
    actions_of = staticmethod(rules.payment_actions)
    queryset = Payment.objects.none()
    filterset_class = PaymentFilter
    ordering_fields = ["received_on", "amount", "created_at", "id"]
    ordering = ["-received_on", "-id"]
    default_order = ("-received_on", "-id")
    external_id_serializer_class = PaymentCreateSerializer

    def related(self, queryset):
        return _payments(queryset)

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
            payment = _record(request.user, data, data.get("external_id", ""))
            return self.answer(payment, status.HTTP_201_CREATED)

        return idempotent(request, scope="payments.create", handler=handler)

    by_external_id = by_external_id_action(
        extend_schema(
            request=PaymentCreateSerializer,
            parameters=[
                external_id_parameter(
                    "The id of the payment in the calling system (ERP), 1 to 100 characters; unique "
                    "per customer."
                )
            ],
            responses={
                200: OpenApiResponse(PaymentSerializer, description="Recorded before: the payment"),
                201: OpenApiResponse(PaymentSerializer, description="Recorded now"),
                **ERRORS,
            },
            summary="Record a payment once per ERP id: the same id again answers the payment "
            "recorded (nothing new), whatever the body; payments are never overwritten",
        ),
        methods=("put",),
    )

    def upsert_by_external_id(self, external_id: str, data: dict):
        """A payment is recorded once per ERP id and never overwritten: the same id again is the
        payment recorded, whatever the body."""
        external_id = external_id.strip()
        found = self.visible().filter(customer=data["customer"], external_id=external_id).first()
        if found is not None:
            return found, False
        try:
            payment = _record(self.request.user, data, external_id)
        except services.DuplicatePayment as exc:
            # recorded by a concurrent call with this id: its answer; another id's bank
            # reference stays a 409
            same = self.visible().filter(pk=exc.payment_id, external_id=external_id).first()
            if same is None:
                raise
            return same, False
        return payment, True

    @extend_schema(
        request=AllocateSerializer,
        responses={200: PaymentSerializer, **ERRORS},
        summary="Allocate unapplied credit to invoices",
    )
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        payment = self.scoped_object()
        body = AllocateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.allocate_payment(
            payment=payment, by=request.user, allocations=data["allocations"], on=data["date"]
        )
        return self.answer(payment)

    @extend_schema(
        request=ReleaseSerializer,
        responses={200: PaymentSerializer, **ERRORS},
        summary="Release one of the payment's allocations (the invoice owes it again)",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        payment = self.scoped_object()
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        allocation = payment.allocations.filter(pk=body.validated_data["allocation"]).first()
        if allocation is None:
            raise serializers.ValidationError({"allocation": [_("Not one of this payment's.")]})
        services.release_allocation(
            allocation=allocation, by=request.user, reason=body.validated_data["reason"]
        )
        return self.answer(payment)


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
        """A page of the orders (most invoiceable first, ``page_size`` of them, 50 unless asked,
        at most 200; ``next`` and ``previous`` are the links to the pages beside it) and, on the
        first page, up to ``page_size`` contracts with milestones invoiceable now."""
        user = request.user
        today = timezone.localdate()
        size = _page_size(request)
        queue = invoiceable.queue_orders(user).filter(invoiceable__gt=0)
        try:
            page = keyset_page(request, queue, size=size)
        except BadRequest as exc:
            raise serializers.ValidationError({"cursor": [str(exc)]}) from None
        orders = invoiceable.with_figures(page.object_list)
        contracts = []
        if not request.GET.get("cursor"):
            contracts = invoiceable.contracts_invoiceable_now(user, size, today)
        body = InvoiceableSerializer({"orders": orders, "contracts": contracts}).data
        base = request.build_absolute_uri(request.path)
        return Response(
            {
                **body,
                "next": base + page.next_url if page.has_next else None,
                "previous": base + page.previous_url if page.has_previous else None,
            }
        )


def _page_size(request) -> int:
    """``page_size`` as the other lists read it (``ltc.core.api_defaults.Pagination``)."""
    try:
        size = int(request.query_params.get("page_size", Pagination.page_size))
    except (TypeError, ValueError):
        return Pagination.page_size
    return max(1, min(size, Pagination.max_page_size))
