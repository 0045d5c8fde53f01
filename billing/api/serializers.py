"""The REST shapes of invoices, credit notes, payments and the receivables figures. Input
serializers check shapes only; the rules (what is invoiceable, what an invoice owes, who bills)
live in the services, whose errors the exception handler turns into 400/403/409."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Contract, PaymentTerm
from delivery.models import Order
from ltc.core.dates import business_date
from ltc.core.money import Currency
from ltc.customers.models import Customer

from ..models import Allocation, CreditNote, Invoice, InvoiceLine, Payment

AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0.01"), "max_value": 10**13}
MONEY = {"max_digits": 16, "decimal_places": 2}
MAX_ROWS = 200


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["description", "amount"]
        read_only_fields = fields


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "customer",
            "amount",
            "currency",
            "issued_on",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class CreditNoteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditNote
        fields = ["id", "number", "amount", "issued_on", "reason"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    """An invoice. ``amount`` is gross (tax included, what the customer owes); ``net_amount`` and
    ``tax_amount`` split it by ``tax_rate``. ``outstanding`` is what is still owed on an issued
    invoice (0 on drafts, void and cancelled ones). ``bill_to_*`` are whom it was issued to,
    kept from the customer at issue (empty on drafts); ``customer_name`` is that name once
    issued, the customer's current name before."""

    customer_name = serializers.CharField(source="billed_name", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, default=None)
    net_amount = serializers.DecimalField(**MONEY, read_only=True)
    tax_amount = serializers.DecimalField(**MONEY, read_only=True)
    outstanding = serializers.DecimalField(**MONEY, read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_note = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "state",
            "customer",
            "customer_name",
            "bill_to_name",
            "bill_to_tax_id",
            "bill_to_address",
            "contract",
            "contract_number",
            "order",
            "order_number",
            "term",
            "amount",
            "currency",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "paid_amount",
            "outstanding",
            "payment_days",
            "issued_on",
            "due_date",
            "paid_on",
            "note",
            "lines",
            "credit_note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_credit_note(self, invoice) -> CreditNoteBriefSerializer(allow_null=True):
        note = getattr(invoice, "credit_note", None)
        return CreditNoteBriefSerializer(note).data if note is not None else None


class LineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    amount = serializers.DecimalField(**AMOUNT)


class InvoiceCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.none(), required=False, allow_null=True
    )
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.none(),
        required=False,
        allow_null=True,
        help_text="For an advance or dated milestone (instead of an order)",
    )
    term = serializers.PrimaryKeyRelatedField(
        queryset=PaymentTerm.objects.none(),
        required=False,
        allow_null=True,
        help_text="The contract's milestone invoiced (optional)",
    )
    amount = serializers.DecimalField(**AMOUNT, help_text="Gross: tax included")
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    payment_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    lines = LineInputSerializer(many=True, required=False, max_length=MAX_ROWS)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            user = request.user
            self.fields["order"].queryset = Order.objects.visible_to(user)
            self.fields["contract"].queryset = Contract.objects.visible_to(user)
            self.fields["term"].queryset = PaymentTerm.objects.filter(
                contract__in=Contract.objects.visible_to(user)
            )

    def validate(self, data):
        if bool(data.get("order")) == bool(data.get("contract")):
            raise serializers.ValidationError(
                {"order": ["Give either an order or a contract (for a milestone)."]}
            )
        return data


class IssueSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[business_date]
    )


class InvoiceReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AllocationSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "amount",
            "allocated_on",
            "released_at",
            "release_reason",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    """A payment; ``unapplied`` is what is not allocated to invoices (the customer's credit)."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    date = serializers.DateField(source="received_on", read_only=True)
    unapplied = serializers.DecimalField(**MONEY, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "customer",
            "customer_name",
            "amount",
            "currency",
            "date",
            "reference",
            "external_id",
            "allocated_amount",
            "unapplied",
            "note",
            "allocations",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class AllocationInputSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    amount = serializers.DecimalField(**AMOUNT)


class PaymentCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    amount = serializers.DecimalField(**AMOUNT)
    currency = serializers.ChoiceField(choices=Currency.choices)
    date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[business_date]
    )
    reference = serializers.CharField(max_length=100, help_text="The bank reference")
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    allocations = AllocationInputSerializer(many=True, required=False, max_length=MAX_ROWS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class AllocateSerializer(serializers.Serializer):
    allocations = AllocationInputSerializer(many=True, allow_empty=False, max_length=MAX_ROWS)
    date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[business_date]
    )


class ReleaseSerializer(serializers.Serializer):
    allocation = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = serializers.CharField(max_length=300)


# Read-side figures -------------------------------------------------------------------------------
class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


@extend_schema_field(ReasonSerializer(many=True))
class ReasonsField(serializers.Field):
    """Every reason as ``{"code", "label"}``: plain dicts, as the 409's ``missing`` has them
    (a nested serializer per reason costs more than the queue's 500 rows are worth)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return [reason.as_dict() for reason in value]


class InvoiceableOrderSerializer(serializers.ModelSerializer):
    """An order of the work queue: its figures from ``billing.invoiceable.order_figures``."""

    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    customer_name = serializers.CharField(source="contract.customer.name", read_only=True)
    accepted_value = serializers.DecimalField(**MONEY, source="figures.accepted", read_only=True)
    not_accepted_value = serializers.DecimalField(
        **MONEY, source="figures.not_accepted", read_only=True
    )
    acceptance_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, source="figures.acceptance_percent", read_only=True
    )
    acceptance_due = serializers.DecimalField(**MONEY, source="figures.due", read_only=True)
    invoiced_amount = serializers.DecimalField(**MONEY, source="figures.invoiced", read_only=True)
    contract_room = serializers.DecimalField(**MONEY, source="figures.room", read_only=True)
    invoiceable = serializers.DecimalField(**MONEY, source="figures.invoiceable", read_only=True)
    reasons = ReasonsField(source="figures.reasons")

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "state",
            "contract",
            "contract_number",
            "customer",
            "customer_name",
            "amount",
            "currency",
            "accepted_value",
            "not_accepted_value",
            "acceptance_percent",
            "acceptance_due",
            "invoiced_amount",
            "contract_room",
            "invoiceable",
            "reasons",
        ]
        read_only_fields = fields


class MilestoneRowSerializer(serializers.Serializer):
    term = serializers.IntegerField(source="term.id")
    label = serializers.CharField(source="term.label")
    trigger = serializers.CharField(source="term.trigger")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, source="term.percent")
    amount = serializers.DecimalField(**MONEY, source="term.amount")
    due_date = serializers.DateField(source="term.due_date", allow_null=True)
    invoiced = serializers.DecimalField(**MONEY, source="term.invoiced")
    due_now = serializers.BooleanField()
    reason = serializers.CharField(source="reason.label")


class InvoiceableContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    currency = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    milestones_due = serializers.DecimalField(**MONEY, source="figures.triggered")
    milestones_invoiced = serializers.DecimalField(**MONEY, source="figures.milestones_invoiced")
    invoiceable = serializers.DecimalField(**MONEY, source="figures.invoiceable")
    milestones = MilestoneRowSerializer(many=True, source="figures.milestones")
    reasons = ReasonsField(source="figures.reasons")


class InvoiceableSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, read_only=True)
    previous = serializers.URLField(allow_null=True, read_only=True)
    orders = InvoiceableOrderSerializer(many=True)
    contracts = InvoiceableContractSerializer(many=True)


class BillingAgingRowSerializer(serializers.Serializer):
    currency = serializers.CharField()
    not_due = serializers.DecimalField(**MONEY)
    days_0_30 = serializers.DecimalField(**MONEY)
    days_31_60 = serializers.DecimalField(**MONEY)
    days_61_90 = serializers.DecimalField(**MONEY)
    over_90 = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    invoice_count = serializers.IntegerField()


class BillingCustomerAgingRowSerializer(BillingAgingRowSerializer):
    customer = serializers.IntegerField()
    customer_name = serializers.CharField(source="customer__name")


class BillingDsoRowSerializer(serializers.Serializer):
    currency = serializers.CharField()
    outstanding = serializers.DecimalField(**MONEY)
    sales = serializers.DecimalField(**MONEY)
    days = serializers.IntegerField()
    dso = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class BillingOrderToCashSerializer(serializers.Serializer):
    invoices = serializers.IntegerField()
    average_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class BillingReceivablesSerializer(serializers.Serializer):
    today = serializers.DateField()
    aging = BillingAgingRowSerializer(many=True)
    customers = BillingCustomerAgingRowSerializer(many=True)
    dso = BillingDsoRowSerializer(many=True)
    order_to_cash = BillingOrderToCashSerializer()
