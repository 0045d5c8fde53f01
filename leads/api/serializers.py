from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ltc.activity.models import Activity, ActivityKind
from ltc.core.money import Currency
from ltc.org.models import User

from ..models import Campaign, DisqualifyReason, Lead, Pool
from ..scoring import reason_label


class PoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pool
        fields = [
            "id",
            "name",
            "team",
            "is_default",
            "first_follow_up_days",
            "follow_up_interval_days",
            "max_held",
            "max_daily_claims",
            "reclaim_cooldown_days",
            "warning_hours",
        ]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "source",
            "starts_on",
            "ends_on",
            "budget",
            "currency",
            "owner",
            "created_at",
        ]
        read_only_fields = ["id", "owner", "created_at"]

    def validate_budget(self, value):
        if value is not None and value < 0:
            raise serializers.ValidationError(_("The budget cannot be negative."))
        return value

    def validate(self, attrs):
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError(
                {"ends_on": _("The campaign cannot end before it starts.")}
            )
        return attrs


class ScoreReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField()
    label = serializers.CharField()


class LeadSerializer(serializers.ModelSerializer):
    """A lead as read by anyone who may see it. ``state`` and the clock fields are read-only:
    they change through the transition actions only."""

    score_reasons = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    estimated_amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=0,
        max_value=10**13,
        required=False,
        allow_null=True,
    )
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    pool = serializers.PrimaryKeyRelatedField(queryset=Pool.objects.none(), required=False)
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "company_name",
            "contact_name",
            "phone",
            "email",
            "source",
            "campaign",
            "estimated_amount",
            "currency",
            "need",
            "budget_confirmed",
            "notes",
            "pool",
            "owner",
            "owner_name",
            "state",
            "assigned_at",
            "last_follow_up_at",
            "follow_up_due_at",
            "follow_up_count",
            "recovery_count",
            "disqualify_reason",
            "disqualify_note",
            "duplicate_of",
            "score",
            "score_reasons",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "owner",
            "owner_name",
            "state",
            "assigned_at",
            "last_follow_up_at",
            "follow_up_due_at",
            "follow_up_count",
            "recovery_count",
            "disqualify_reason",
            "disqualify_note",
            "duplicate_of",
            "score",
            "score_reasons",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["pool"].queryset = Pool.objects.visible_to(request.user)

    @extend_schema_field(ScoreReasonSerializer(many=True))
    def get_score_reasons(self, lead) -> list[dict]:
        # A page of 50 leads has a handful of distinct reasons: translate each once per page.
        labels = self.context.setdefault("_reason_labels", {})
        rows = []
        for r in lead.score_reasons:
            key = (r["code"], r.get("value", ""))
            if key not in labels:
                labels[key] = reason_label(r)
            rows.append({"code": r["code"], "points": r["points"], "label": labels[key]})
        return rows

    def get_owner_name(self, lead) -> str | None:
        return str(lead.owner) if lead.owner_id else None

    def to_internal_value(self, data):
        # The state is never written by a PATCH or PUT: say so instead of ignoring it silently.
        if hasattr(data, "keys") and "state" in data:
            raise serializers.ValidationError(
                {
                    "state": [
                        _("The state changes only through the lead's actions (claim, validate, …).")
                    ]
                }
            )
        return super().to_internal_value(data)


class AssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DisqualifySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DisqualifyReason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FollowUpSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    note = serializers.CharField(max_length=5000)


class ValidateSerializer(serializers.Serializer):
    need = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    budget_confirmed = serializers.BooleanField(required=False)


class MergeSerializer(serializers.Serializer):
    into = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["into"].queryset = Lead.objects.visible_to(request.user)


class ActivitySerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "kind", "note", "actor", "actor_name", "occurred_at"]
        read_only_fields = fields


class BulkLeadRowSerializer(serializers.Serializer):
    """The answer for one row of ``POST leads/bulk/``."""

    index = serializers.IntegerField(help_text=_("The row's position in the list sent, from 0."))
    status = serializers.ChoiceField(
        choices=[
            ("created", _("created")),
            ("duplicate", _("created, flagged as a duplicate of an open lead")),
            ("error", _("not created")),
        ]
    )
    id = serializers.IntegerField(allow_null=True)
    duplicate_of = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Field name → messages (``detail`` for a rule of the service)."),
    )


class BulkLeadResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = BulkLeadRowSerializer(many=True)
