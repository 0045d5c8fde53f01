from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ltc.core.dates import long_ahead_business_date
from ltc.core.money import Currency
from ltc.org.models import Role, User

from .. import rules
from ..models import DealRegistration


class ConflictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["opportunity", "registration"])
    id = serializers.IntegerField()
    label = serializers.CharField()


class RegistrationSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    deal_stage = serializers.SerializerMethodField()
    deal_state = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField()

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "partner",
            "partner_name",
            "customer_name",
            "project_name",
            "amount",
            "currency",
            "expected_close_date",
            "description",
            "state",
            "state_label",
            "conflicts",
            "opportunity",
            "deal_stage",
            "deal_state",
            "protected_until",
            "renewals",
            "rejection_reason",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_deal_stage(self, obj) -> str | None:
        deal = obj.opportunity
        return deal.stage.code if deal is not None else None

    def get_deal_state(self, obj) -> str | None:
        return obj.opportunity.state if obj.opportunity is not None else None

    def get_conflicts(self, obj) -> list[dict]:
        """Only deciders read what a registration conflicts with (a partner user never learns
        of our deals or of other partners' registrations), and only on one registration (a
        list leaves it empty: two queries per row)."""
        request = self.context.get("request")
        if not self.context.get("with_conflicts") or request is None:
            return []
        if not rules.may_decide(request.user, obj):
            return []
        from ..selectors import conflicts_of

        return [
            {"kind": c["kind"], "id": c["id"], "label": str(c["label"])} for c in conflicts_of(obj)
        ]


class RegistrationCreateSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=200)
    project_name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=15, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.ChoiceField(choices=Currency.choices, default="CNY")
    expected_close_date = serializers.DateField(validators=[long_ahead_business_date])
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class RegistrationAcceptSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role__in=[Role.REP, Role.MANAGER], is_active=True),
        help_text=_("The AR of the deal (a user id of GET users/)."),
    )
    customer = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("An existing customer (id); else found or made by name."),
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RegistrationRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
