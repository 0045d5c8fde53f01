from rest_framework import serializers

from ..models import Contact, Customer


class CustomerSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "industry",
            "region",
            "address",
            "tax_id",
            "website",
            "external_id",
            "owner",
            "owner_name",
            "team",
            "pool",
            "pool_state",
            "pool_due_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "pool",
            "pool_state",
            "pool_due_at",
            "id",
            "external_id",
            "owner",
            "owner_name",
            "team",
            "created_at",
            "updated_at",
        ]

    def get_owner_name(self, customer) -> str | None:
        return str(customer.owner) if customer.owner_id else None


class ContactSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "phone", "email", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class MergeCustomerSerializer(serializers.Serializer):
    other = serializers.IntegerField(min_value=1, help_text="the duplicate customer's id")
    picks = serializers.DictField(
        child=serializers.ChoiceField(choices=["keep", "other"]),
        required=False,
        help_text="field → the customer whose value is kept (default: this one's, its gaps "
        "filled from the duplicate)",
    )


class DuplicatesSerializer(serializers.Serializer):
    customers = CustomerSerializer(many=True, help_text="the matching customers the caller sees")
    hidden = serializers.IntegerField(help_text="how many more match that the caller cannot see")
