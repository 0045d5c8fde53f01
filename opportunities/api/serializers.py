from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ltc.activity.models import ActivityKind
from ltc.core.dates import long_ahead_business_date
from ltc.core.money import Currency
from ltc.customers.models import Contact, Customer
from ltc.org.models import User
from ltc.org.scoping import visible_users

from .. import fieldspec
from ..models import (
    Attitude,
    Competitor,
    DecisionChainMember,
    DecisionRole,
    Grade,
    GradeChange,
    LossReason,
    Opportunity,
    OpportunityState,
    OpportunityTask,
    Review,
    ReviewKind,
    Stage,
    StageHistory,
    StageRequirement,
)

AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0.01"), "max_value": 10**13}

# Fields a write may never carry: they change through the actions only.
READ_ONLY_BY_ACTION = {
    "state": _("The state changes only through the actions (advance, win, lose, abandon)."),
    "stage": _("The stage changes only through advance."),
    "grade": _("The grade changes only through regrade (a manager)."),
}


def _name(user) -> str | None:
    return str(user) if user is not None else None


class SentBackSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_order = serializers.IntegerField()
    reason = serializers.CharField()


class OpportunitySerializer(serializers.ModelSerializer):
    """An opportunity as read by anyone who may see it. ``state``, ``stage``, ``grade`` and
    ``probability`` are read-only: they change through advance, regrade and the closing actions."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    amount = serializers.DecimalField(**AMOUNT)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    owner_name = serializers.SerializerMethodField()
    solution_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    solution_owner_name = serializers.SerializerMethodField()
    fulfillment_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    fulfillment_owner_name = serializers.SerializerMethodField()
    stage = serializers.CharField(source="stage.code", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    process = serializers.CharField(source="process.code", read_only=True)
    days_in_stage = serializers.SerializerMethodField()
    amount_note = serializers.SerializerMethodField()
    sent_back = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = list(fieldspec.API_FIELDS)  # opportunities/fieldspec.py: the fields, once
        read_only_fields = list(fieldspec.API_READ_ONLY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)
            self.fields["owner"].queryset = visible_users(request.user)

    def get_owner_name(self, opportunity) -> str | None:
        return _name(opportunity.owner)

    def get_amount_note(self, opportunity) -> str:
        """What ``amount`` is: the estimate of an open deal, the signed contract of a won one."""
        if opportunity.state == OpportunityState.WON:
            return "won_value"
        return "estimate"

    @extend_schema_field(SentBackSerializer(allow_null=True))
    def get_sent_back(self, opportunity) -> dict | None:
        """Only in the answer to the change that sent the deal back (an amount or a grade that
        put it on a stricter track): the stage it went back to and why."""
        return getattr(opportunity, "sent_back", None)

    def get_solution_owner_name(self, opportunity) -> str | None:
        return _name(opportunity.solution_owner)

    def get_fulfillment_owner_name(self, opportunity) -> str | None:
        return _name(opportunity.fulfillment_owner)

    def get_days_in_stage(self, opportunity) -> int:
        return max(0, (timezone.now() - opportunity.stage_entered_at).days)

    def to_internal_value(self, data):
        # Say so instead of ignoring it silently: these move only through their actions.
        if hasattr(data, "keys"):
            refused = {
                field: [text] for field, text in READ_ONLY_BY_ACTION.items() if field in data
            }
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class ConvertLeadSerializer(serializers.Serializer):
    opportunity_name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(**AMOUNT)
    expected_close_date = serializers.DateField(validators=[long_ahead_business_date])
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class ConversionSerializer(serializers.Serializer):
    opportunity = serializers.IntegerField()
    customer = serializers.IntegerField()
    lead = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=Grade.choices)
    stage = serializers.CharField()


class RequirementSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = StageRequirement
        fields = ["code", "label", "kind", "role", "fast_track"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    process = serializers.CharField(source="process.code", read_only=True)
    name = serializers.CharField(read_only=True)
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = [
            "code",
            "order",
            "name",
            "name_en",
            "name_zh",
            "process",
            "probability",
            "cadence_days",
            "roles",
            "is_signing",
            "requirements",
        ]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["field", "task", "review", "track"])
    met = serializers.BooleanField()
    stage = serializers.CharField(allow_blank=True)
    role = serializers.CharField(allow_blank=True)


class ChecklistSerializer(serializers.Serializer):
    stage = serializers.CharField()
    grade = serializers.CharField(help_text="The grade that decides the track of this move.")
    track = serializers.CharField(help_text="The track of that grade, in words.")
    next_stage = serializers.CharField(allow_null=True)
    to_stage = serializers.CharField(allow_null=True)
    can_jump_to = serializers.CharField(allow_null=True)
    requirements = ChecklistItemSerializer(many=True)


class AdvanceSerializer(serializers.Serializer):
    to_stage = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class TaskSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="display_label", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    done_by_name = serializers.SerializerMethodField()

    class Meta:
        model = OpportunityTask
        fields = [
            "id",
            "code",
            "label",
            "role",
            "assignee",
            "assignee_name",
            "done_at",
            "done_by",
            "done_by_name",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_assignee_name(self, task) -> str | None:
        return _name(task.assignee)

    def get_done_by_name(self, task) -> str | None:
        return _name(task.done_by)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AssessmentSerializer(serializers.Serializer):
    relationship_assessment = serializers.CharField(
        max_length=5000, required=False, allow_blank=True
    )
    solution_assessment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    delivery_assessment = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ReviewRequestSerializer(AssessmentSerializer):
    kind = serializers.ChoiceField(choices=ReviewKind.choices)


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.ModelSerializer):
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True)
    requested_by_name = serializers.SerializerMethodField()
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "opportunity",
            "opportunity_name",
            "kind",
            "state",
            "relationship_assessment",
            "solution_assessment",
            "delivery_assessment",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "comment",
            "duration_seconds",
        ]
        read_only_fields = fields

    def get_requested_by_name(self, review) -> str | None:
        return _name(review.requested_by)

    def get_decided_by_name(self, review) -> str | None:
        return _name(review.decided_by)


class LossSerializer(serializers.Serializer):
    # Reason and lessons may be missing here: the service refuses with 409 naming both.
    reason = serializers.ChoiceField(
        choices=LossReason.choices, required=False, allow_blank=True, default=""
    )
    competitor = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lessons = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class RegradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionChainMemberSerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none())
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    role = serializers.ChoiceField(choices=DecisionRole.choices)
    attitude = serializers.ChoiceField(
        choices=Attitude.choices, required=False, default=Attitude.NEUTRAL
    )

    class Meta:
        model = DecisionChainMember
        fields = ["id", "contact", "contact_name", "role", "attitude", "note"]
        read_only_fields = ["id"]
        validators = []  # the service updates a contact already on the chain

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = Contact.objects.visible_to(request.user)


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = ["id", "name", "strengths", "weaknesses"]
        read_only_fields = ["id"]
        validators = []  # the service updates a competitor already recorded


class ActivityInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    note = serializers.CharField(max_length=5000)


class StageHistorySerializer(serializers.ModelSerializer):
    stage = serializers.CharField(source="stage.code", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    entered_by_name = serializers.SerializerMethodField()
    evidence = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = StageHistory
        fields = [
            "stage",
            "stage_name",
            "entered_at",
            "exited_at",
            "entered_by",
            "entered_by_name",
            "evidence",
        ]
        read_only_fields = fields

    def get_entered_by_name(self, row) -> str | None:
        return _name(row.entered_by)


class GradeChangeSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = GradeChange
        fields = ["from_grade", "to_grade", "reason", "by", "by_name", "at"]
        read_only_fields = fields

    def get_by_name(self, row) -> str | None:
        return _name(row.by)


class HistorySerializer(serializers.Serializer):
    stages = StageHistorySerializer(many=True)
    grades = GradeChangeSerializer(many=True)
