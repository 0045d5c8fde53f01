"""The REST shapes of complaints. Input serializers check the shape; the services decide."""

from rest_framework import serializers

from ..models import Category, Complaint, ConfirmationChannel, CustomerConfirmation, Severity


class ConfirmationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerConfirmation
        fields = [
            "id",
            "confirmed_by",
            "contact",
            "channel",
            "confirmed_at",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint; ``breached`` says whether a due time was missed (or is being missed now);
    ``actions`` what the caller may do now (the same list as the page's buttons)."""

    number = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    breached = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    confirmation = ConfirmationSerializer(read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "title",
            "description",
            "category",
            "severity",
            "state",
            "customer",
            "customer_name",
            "contract",
            "order",
            "unit",
            "owner",
            "opened_by",
            "opened_at",
            "response_due_at",
            "resolution_due_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "response_breached_at",
            "resolution_breached_at",
            "reopen_count",
            "breached",
            "confirmation",
            "actions",
        ]
        read_only_fields = fields

    def get_breached(self, obj) -> bool:
        return obj.breached(self.context["now"])

    def get_actions(self, obj) -> list[str]:
        from ..rules import actions_for

        return actions_for(self.context["request"].user, obj)


class ComplaintCreateSerializer(serializers.Serializer):
    """Name the most precise record: a ``unit``, else an ``order``, a ``contract`` or the
    ``customer`` (ids); the records above it are filled in. ``owner`` (a user id) is optional:
    by default the deal's FR, else the customer's account owner."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    customer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    contract = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    order = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class CloseSerializer(serializers.Serializer):
    """The customer's confirmation: who (a name, optionally a contact id of the customer),
    how, and when (default: now)."""

    confirmed_by = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    channel = serializers.ChoiceField(choices=ConfirmationChannel.choices, required=False)
    confirmed_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
