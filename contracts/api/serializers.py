"""The REST shapes of quotes, contracts, change requests and versions. Input serializers check the
shape of the input; the rules (terms adding up to 100%, who may act, which state) live in the
services, whose errors the exception handler turns into 400/403/409."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ltc.core.dates import business_date, long_ahead_business_date
from ltc.core.money import Currency
from opportunities.models import Opportunity, Review
from products.models import PriceBook, Product

from .. import fields as commercial_fields
from .. import services
from ..models import (
    ChangeRequest,
    Contract,
    ContractVersion,
    Evaluation,
    PaymentTerm,
    Quote,
    QuoteLine,
    has_evaluation,
)

AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0.01"), "max_value": 10**13}
AMOUNT_DELTA = {
    "max_digits": 16,
    "decimal_places": 2,
    "min_value": Decimal(-(10**13)),
    "max_value": Decimal(10**13),
}
PERCENT = {"max_digits": 5, "decimal_places": 2}


def _refuse_action_fields(data, fields: dict) -> None:
    """Say so instead of ignoring it silently: these change only through the actions."""
    if hasattr(data, "keys"):
        refused = {field: [text] for field, text in fields.items() if field in data}
        if refused:
            raise serializers.ValidationError(refused)


class NamedRefSerializer(serializers.Serializer):
    """A related record by id, with its name for people."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MissingSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)


# Quotes ------------------------------------------------------------------------------------------
QUOTE_ACTION_FIELDS = {
    "state": _("The state changes only through the actions (submit, approve, send, …)."),
    "version": _("A new version is made by revise."),
    "number": _("The number is given when the quote is made."),
    "opportunity": _("A quote stays with its opportunity."),
    "currency": _("The currency is chosen when the quote is made; revise to change it."),
}


class QuoteLineSerializer(serializers.ModelSerializer):
    """A quote line. ``unit_cost`` (what one unit costs us) is entered by the deal's SR, finance
    or a manager, never by its AR (403 naming the field); left out, a line that stays the same
    (position, product code, description) keeps its cost."""

    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
        help_text="A catalogue product (its list price comes from the quote's price book); "
        "null or absent: a free-text line, which always needs a manager's approval.",
    )
    unit_price = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text="Optional for a product line (default: its list price; lower is a discount).",
    )
    margin_percent = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    unit_cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    cost_amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = QuoteLine
        fields = [
            "position",
            "product",
            "product_code",
            "description",
            "quantity",
            "list_price",
            "unit_price",
            "discount_percent",
            "discount_off_list",
            "list_amount",
            "amount",
            "unit_cost",
            "cost_from_catalogue",
            "cost_amount",
            "margin_percent",
        ]
        read_only_fields = [
            "position",
            "list_price",
            "discount_off_list",
            "list_amount",
            "amount",
            "cost_from_catalogue",
            "cost_amount",
        ]


class QuoteSerializer(serializers.ModelSerializer):
    """A quote. ``cost_total`` and ``margin_percent`` are known once every line has its unit
    cost (null until then)."""

    opportunity = NamedRefSerializer(read_only=True)
    lines = QuoteLineSerializer(many=True, read_only=True)
    margin_percent = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    discount_percent = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "version",
            "previous",
            "opportunity",
            "currency",
            "price_book",
            "priced_on",
            "valid_until",
            "notes",
            "state",
            "subtotal",
            "discount_total",
            "discount_percent",
            "total",
            "max_discount",
            "needs_approval",
            "cost_total",
            "margin_percent",
            "costs_by",
            "costs_at",
            "approved_by",
            "approved_at",
            "sent_at",
            "created_by",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class QuoteCreateSerializer(serializers.Serializer):
    opportunity = serializers.PrimaryKeyRelatedField(queryset=Opportunity.objects.none())
    valid_until = serializers.DateField(validators=[business_date])
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    price_book = serializers.PrimaryKeyRelatedField(
        queryset=PriceBook.objects.all(), required=False, allow_null=True, default=None
    )
    lines = QuoteLineSerializer(many=True, allow_empty=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(request.user)


class QuoteUpdateSerializer(serializers.Serializer):
    valid_until = serializers.DateField(required=False, validators=[business_date])
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    price_book = serializers.PrimaryKeyRelatedField(
        queryset=PriceBook.objects.all(), required=False, allow_null=True
    )
    lines = QuoteLineSerializer(many=True, allow_empty=False, required=False)

    def to_internal_value(self, data):
        _refuse_action_fields(data, QUOTE_ACTION_FIELDS)
        return super().to_internal_value(data)


class QuoteLineCostSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    unit_cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0"), allow_null=True
    )


class QuoteCostsSerializer(serializers.Serializer):
    """The unit costs of some of the quote's lines, by position (null clears one)."""

    lines = QuoteLineCostSerializer(many=True, allow_empty=False)


class QuoteRevisionSerializer(serializers.Serializer):
    valid_until = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[business_date]
    )


# Contracts ---------------------------------------------------------------------------------------
CONTRACT_ACTION_FIELDS = {
    "state": _("The state changes only through the actions (submit, approve, sign, …)."),
    "version": _("A new version is made by applying a change request."),
    "number": _("The number is given when the contract is drafted."),
    "opportunity": _("A contract stays with its opportunity."),
    "customer": _("The customer is the opportunity's."),
    "review": _("The review is made by submitting the contract."),
}


class PaymentTermSerializer(serializers.ModelSerializer):
    """A milestone; ``amount`` is its share of the contract amount."""

    percent = serializers.DecimalField(**PERCENT)
    due_date = serializers.DateField(
        required=False, allow_null=True, validators=[long_ahead_business_date]
    )
    amount = serializers.SerializerMethodField()

    class Meta:
        model = PaymentTerm
        fields = ["position", "label", "percent", "trigger", "due_date", "days_to_pay", "amount"]
        read_only_fields = ["position", "amount"]

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_amount(self, term) -> str:
        return str(term.amount_of(term.contract.amount))


class ContractReviewSerializer(serializers.ModelSerializer):
    """The contract review (an opportunities Review of kind "contract") in brief."""

    class Meta:
        model = Review
        fields = [
            "id",
            "state",
            "needs_second_approval",
            "first_approved_by",
            "first_approved_at",
            "decided_by",
            "decided_at",
            "comment",
        ]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(min_value=1, max_value=5)

    class Meta:
        model = Evaluation
        fields = [
            "profitability",
            "schedule_kept",
            "acceptance_smooth",
            "lessons",
            "score",
            "by",
            "at",
        ]
        read_only_fields = ["by", "at"]


class ContractSerializer(serializers.ModelSerializer):
    """A contract as listed. ``state``, ``version`` and ``number`` change only through actions.
    ``margin_percent`` is computed from ``cost_amount`` (never typed). ``customer`` is the
    customer record as it is now; ``customer_party``, ``customer_tax_id`` and
    ``customer_address`` are the party as signed (kept when the customer is renamed later)."""

    opportunity = NamedRefSerializer(read_only=True)
    customer = NamedRefSerializer(read_only=True)
    customer_tax_id = serializers.SerializerMethodField()
    customer_address = serializers.SerializerMethodField()
    margin_percent = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    escalated = serializers.SerializerMethodField()
    review = ContractReviewSerializer(read_only=True, allow_null=True)
    payment_terms = PaymentTermSerializer(source="terms", many=True, read_only=True)
    evaluation = EvaluationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "title",
            "opportunity",
            "customer",
            "quote",
            "amount",
            "currency",
            "our_party",
            "customer_party",
            "customer_tax_id",
            "customer_address",
            "version",
            "state",
            "cost_amount",
            "cost_note",
            "cost_source",
            "cost_by",
            "cost_at",
            "margin_percent",
            "quote_margin_percent",
            "schedule",
            "cost_risk",
            "is_risky",
            "risk_cleared_by",
            "risk_cleared_at",
            "risk_cleared_reason",
            "escalated",
            "review",
            "payment_terms",
            "signed_on",
            "accepted_at",
            "closed_at",
            "cancel_reason",
            "evaluation",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_escalated(self, contract) -> bool:
        return bool(contract.review_id and contract.review.needs_second_approval)

    def get_customer_tax_id(self, contract) -> str:
        return contract.party_tax_id

    def get_customer_address(self, contract) -> str:
        return contract.party_address


class ContractDetailSerializer(ContractSerializer):
    """One contract, with what its closing still needs (``close_missing``) and, while a draft,
    why its review would need a second approver (``escalation_reasons``: ``risky``,
    ``margin_unknown``, ``margin_below_floor``)."""

    close_missing = serializers.SerializerMethodField()
    escalation_reasons = serializers.SerializerMethodField()

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "close_missing", "escalation_reasons"]
        read_only_fields = fields

    @extend_schema_field(MissingSerializer(many=True))
    def get_escalation_reasons(self, contract) -> list[dict]:
        if not contract.is_editable:
            return []
        return [item.as_dict() for item in services.escalation_reasons(contract)]

    @extend_schema_field(MissingSerializer(many=True))
    def get_close_missing(self, contract) -> list[dict]:
        missing = list(services.close_missing(contract))
        if not has_evaluation(contract):
            missing.append(has_evaluation.missing())
        return [item.as_dict() for item in missing]


COMPUTED_FIELDS = {
    "margin_percent": _(
        "The margin is computed from the costs (the quote's cost lines or the cost entered by "
        "the deal's SR, finance or a manager); it is not typed."
    ),
}


class ContractFieldsSerializer(serializers.Serializer):
    """The fields a draft contract is written with (create and edit). Who may set each one is
    the table in ``contracts.fields``: a field the caller may not set answers 403 naming it (the
    rep never sets the cost, and may raise a risk but not clear it); ``margin_percent`` is
    computed and refused (400)."""

    amount = serializers.DecimalField(**AMOUNT)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    payment_terms = PaymentTermSerializer(many=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    our_party = serializers.CharField(max_length=200, required=False, allow_blank=True)
    customer_party = serializers.CharField(max_length=200, required=False, allow_blank=True)
    cost_amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=10**13,
        required=False,
        allow_null=True,
    )
    cost_note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    schedule = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    cost_risk = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    is_risky = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        _refuse_action_fields(data, COMPUTED_FIELDS)
        return super().to_internal_value(data)

    def _target(self, attrs) -> Contract | None:
        return None

    def validate(self, attrs):
        # The table refuses (403) before the service runs; the service checks it again.
        request = self.context.get("request")
        target = self._target(attrs)
        if request is not None and target is not None:
            values = {
                name: value
                for name, value in attrs.items()
                if (commercial_fields.CONTRACT, name) in commercial_fields.RULES
                and name != "payment_terms"
            }
            commercial_fields.require(
                request.user, target, commercial_fields.changed(target, values)
            )
        return attrs


class ContractCreateSerializer(ContractFieldsSerializer):
    opportunity = serializers.PrimaryKeyRelatedField(queryset=Opportunity.objects.none())
    quote = serializers.PrimaryKeyRelatedField(
        queryset=Quote.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(request.user)
            self.fields["quote"].queryset = Quote.objects.visible_to(request.user)

    def _target(self, attrs) -> Contract | None:
        opportunity = attrs.get("opportunity")
        if opportunity is None:
            return None
        return Contract(opportunity=opportunity, customer_id=opportunity.customer_id)


class ContractUpdateSerializer(ContractFieldsSerializer):
    risk_cleared_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, write_only=True
    )

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        _refuse_action_fields(data, CONTRACT_ACTION_FIELDS)
        return super().to_internal_value(data)

    def _target(self, attrs) -> Contract | None:
        return self.context.get("contract")


class ContractCostSerializer(serializers.Serializer):
    cost_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0"), max_value=10**13
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ClearRiskSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SignSerializer(serializers.Serializer):
    signed_on = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[business_date]
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ContractVersionSerializer(serializers.ModelSerializer):
    terms = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = ContractVersion
        fields = ["version", "amount", "currency", "terms", "reason", "created_by", "created_at"]
        read_only_fields = fields


# Change requests ---------------------------------------------------------------------------------
class ChangeRequestSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    new_terms = serializers.ListField(
        child=serializers.DictField(), read_only=True, allow_null=True
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "contract",
            "contract_number",
            "description",
            "amount_delta",
            "new_terms",
            "state",
            "fr_assessment",
            "sr_assessment",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "applied_at",
            "resulting_version",
        ]
        read_only_fields = fields


class ChangeRequestCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=5000)
    amount_delta = serializers.DecimalField(**AMOUNT_DELTA, required=False, default=Decimal("0"))
    new_terms = PaymentTermSerializer(many=True, required=False, allow_null=True, default=None)


class ChangeAssessmentSerializer(serializers.Serializer):
    fr_assessment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    sr_assessment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
