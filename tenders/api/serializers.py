from rest_framework import serializers

from ltc.core.money import Currency
from opportunities.models import LossReason, Opportunity

from ..models import BidRole, Tender, TenderTask

MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": 0}


class TenderTaskSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.__str__", read_only=True)

    class Meta:
        model = TenderTask
        fields = ["id", "member", "member_name", "role", "task", "due_on", "done_at"]
        read_only_fields = fields


class TenderSerializer(serializers.ModelSerializer):
    """A tender; state, price and result change only through the actions."""

    opportunity = serializers.PrimaryKeyRelatedField(queryset=Opportunity.objects.none())
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True)
    bond_amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    bond_currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    price_currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    bond_outstanding = serializers.BooleanField(read_only=True)
    tasks = TenderTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Tender
        fields = [
            "id",
            "opportunity",
            "opportunity_name",
            "number",
            "issuer",
            "questions_due_at",
            "submission_due_at",
            "bond_amount",
            "bond_currency",
            "bond_returned_on",
            "bond_outstanding",
            "submitted_price",
            "price_currency",
            "submitted_at",
            "state",
            "winner",
            "winning_price",
            "winning_currency",
            "result_note",
            "decided_at",
            "tasks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "bond_returned_on",
            "submitted_price",
            "submitted_at",
            "state",
            "winner",
            "winning_price",
            "winning_currency",
            "result_note",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        validators = []  # one tender in progress per deal: the service's 409 names it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(user)


class TenderTaskInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    role = serializers.ChoiceField(choices=BidRole.choices)
    task = serializers.CharField(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class TenderTaskDoneSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class TenderSubmitSerializer(serializers.Serializer):
    # The price may be missing here: the service refuses with 409 naming every missing item.
    price = serializers.DecimalField(required=False, allow_null=True, default=None, **MONEY)
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, allow_blank=True, default=""
    )


class TenderWinSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TenderLoseSerializer(serializers.Serializer):
    winner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    winning_price = serializers.DecimalField(required=False, allow_null=True, default=None, **MONEY)
    winning_currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    close_deal = serializers.BooleanField(required=False, default=False)
    reason = serializers.ChoiceField(
        choices=LossReason.choices, required=False, allow_blank=True, default=""
    )
    lessons = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class TenderCancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TenderBondReturnSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)
