"""The REST shapes of orders, delivery units and the revenue ledger. Input serializers check the
shape of the input; the rules (orders within the contract's amount, units adding up to their
order, who ships and accepts, in which state) live in the services, whose errors the exception
handler turns into 400/403/409."""

from decimal import Decimal

from rest_framework import serializers

from contracts.models import Contract
from ltc.core.dates import business_date
from ltc.core.money import Currency

from ..models import DeliveryUnit, Order, RevenueEntry, UnitKind

AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0.01"), "max_value": 10**13}
MONEY = {"max_digits": 16, "decimal_places": 2}
MAX_BULK_UNITS = 500


class OrderUnitSerializer(serializers.ModelSerializer):
    """A delivery unit as listed inside its order."""

    class Meta:
        model = DeliveryUnit
        fields = [
            "id",
            "name",
            "kind",
            "amount",
            "product",
            "state",
            "shipped_on",
            "accepted_on",
            "certificate",
            "accepted_by",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """An order with its units; ``remaining_on_contract`` is what is left to order on its contract
    (the contract's amount minus all of its orders)."""

    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    units = OrderUnitSerializer(many=True, read_only=True)
    remaining_on_contract = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "contract",
            "contract_number",
            "customer",
            "number",
            "amount",
            "currency",
            "order_date",
            "external_id",
            "state",
            "remaining_on_contract",
            "units",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class UnitInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(**AMOUNT)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    product = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="A product of the contract's quote (optional): what the unit delivers.",
    )


class OrderCreateSerializer(serializers.Serializer):
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.none())
    number = serializers.CharField(max_length=60)
    amount = serializers.DecimalField(**AMOUNT)
    order_date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[business_date]
    )
    units = UnitInputSerializer(many=True, allow_empty=False, max_length=MAX_BULK_UNITS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["contract"].queryset = Contract.objects.visible_to(request.user)


class DeliveryUnitSerializer(serializers.ModelSerializer):
    """A delivery unit with the order and contract it belongs to."""

    order_number = serializers.CharField(source="order.number", read_only=True)
    order_state = serializers.CharField(source="order.state", read_only=True)
    contract = serializers.IntegerField(source="order.contract_id", read_only=True)
    currency = serializers.ChoiceField(
        source="order.currency", choices=Currency.choices, read_only=True
    )

    class Meta:
        model = DeliveryUnit
        fields = [
            "id",
            "order",
            "order_number",
            "order_state",
            "contract",
            "name",
            "kind",
            "amount",
            "product",
            "currency",
            "state",
            "shipped_on",
            "accepted_on",
            "certificate",
            "accepted_by",
        ]
        read_only_fields = fields


class ShipSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, default=None)


class AcceptSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, default=None)
    certificate = serializers.CharField(max_length=200)


class BulkAcceptSerializer(AcceptSerializer):
    units = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        allow_empty=False,
        max_length=MAX_BULK_UNITS,
    )


class CorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RevenueEntrySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)

    class Meta:
        model = RevenueEntry
        fields = [
            "id",
            "kind",
            "amount",
            "currency",
            "recognised_on",
            "period",
            "unit",
            "unit_name",
            "order",
            "order_number",
            "contract",
            "contract_number",
            "customer",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(**MONEY, read_only=True)


class MonthTotalSerializer(CurrencyTotalSerializer):
    month = serializers.CharField(read_only=True, help_text="YYYY-MM")


class RevenueSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    months = MonthTotalSerializer(many=True, read_only=True)
    total = CurrencyTotalSerializer(many=True, read_only=True)
    delivered_not_accepted = CurrencyTotalSerializer(many=True, read_only=True)
