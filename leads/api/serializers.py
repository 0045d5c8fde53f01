import decimal

import orjson
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ltc.activity.models import Activity, ActivityKind
from ltc.core.money import Currency
from ltc.org.models import User

from .. import fieldspec
from ..models import Campaign, DisqualifyReason, Lead, LeadImport, LeadImportRow, Pool
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
        fields = list(fieldspec.API_FIELDS)  # leads/fieldspec.py: the lead's fields, once
        read_only_fields = list(fieldspec.API_READ_ONLY)

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


# The lean read path of the lead lists -----------------------------------------------------------
# A page of 50 leads through LeadSerializer builds its 30 fields and 50 model instances (with
# their owner, pool and campaign) and walks every field's get_attribute/to_representation: most
# of a list request's time. The lists read plain rows instead and map them here to exactly what
# LeadSerializer answers (same keys in the same order, same formats, same nulls);
# tests/api/test_lead_lean_rows.py compares the two byte for byte.

# The columns of one row: the fields, the foreign keys' ids and what owner_name is made of.
LEAD_ROW_COLUMNS = fieldspec.row_columns()
_CENTS = decimal.Decimal(".01")
# Translated reason labels by language: a label depends only on the language and the reason's
# code and value, and the catalogues do not change while the process runs.
_REASON_LABELS: dict[str | None, dict[tuple, str]] = {}


# score_reasons read as its JSON text and parsed by orjson: the JSONField's own json.loads of
# fifty small lists was the list's largest single cost after the query (a profile of 20,000
# leads, ``manage.py bench_profile``).
_REASONS_TEXT = "score_reasons_text"


def lead_rows(queryset) -> list[dict]:
    """The rows of ``queryset`` as ``represent_leads`` reads them (one query, no instances)."""
    columns = [c for c in LEAD_ROW_COLUMNS if c != "score_reasons"]
    return list(
        queryset.values(
            *columns, **{_REASONS_TEXT: Cast("score_reasons", output_field=TextField())}
        )
    )


def stored_reasons(row: dict) -> list:
    text = row.get(_REASONS_TEXT)
    if text is None:  # a row read with the JSONField itself
        return row.get("score_reasons") or []
    return orjson.loads(text)


def represent_leads(rows: list[dict]) -> list[dict]:
    """``LeadSerializer(leads, many=True).data`` for rows of ``lead_rows``."""
    tz = timezone.get_current_timezone()
    # DecimalField(max_digits=16, decimal_places=2).quantize, with the same context.
    money_context = decimal.getcontext().copy()
    money_context.prec = 16
    labels = _REASON_LABELS.setdefault(translation.get_language(), {})
    if len(labels) > 1000:  # activity counts make new values; keep the cache small
        labels.clear()

    def when(value):
        # DateTimeField.to_representation: in the current time zone, ISO 8601, UTC as "Z".
        if not value:
            return None
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def reasons(stored) -> list[dict]:
        out = []
        for r in stored:
            key = (r["code"], r.get("value", ""))
            if key not in labels:
                labels[key] = reason_label(r)
            out.append({"code": r["code"], "points": r["points"], "label": labels[key]})
        return out

    data = []
    for row in rows:
        amount = row["estimated_amount"]
        if amount is not None:
            amount = f"{amount.quantize(_CENTS, context=money_context):f}"
        owner_id = row["owner_id"]
        owner_name = None
        if owner_id is not None:
            # str(User): get_full_name() or the user name.
            full = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
            owner_name = full or row["owner__username"]
        data.append(
            {
                "id": row["id"],
                "title": row["title"],
                "company_name": row["company_name"],
                "contact_name": row["contact_name"],
                "phone": row["phone"],
                "email": row["email"],
                "source": row["source"],
                "campaign": row["campaign_id"],
                "estimated_amount": amount,
                "currency": row["currency"],
                "need": row["need"],
                "budget_confirmed": row["budget_confirmed"],
                "notes": row["notes"],
                "pool": row["pool_id"],
                "owner": owner_id,
                "owner_name": owner_name,
                "state": row["state"],
                "assigned_at": when(row["assigned_at"]),
                "last_follow_up_at": when(row["last_follow_up_at"]),
                "follow_up_due_at": when(row["follow_up_due_at"]),
                "follow_up_count": row["follow_up_count"],
                "recovery_count": row["recovery_count"],
                "disqualify_reason": row["disqualify_reason"],
                "disqualify_note": row["disqualify_note"],
                "duplicate_of": row["duplicate_of_id"],
                "score": row["score"],
                "score_reasons": reasons(stored_reasons(row)),
                "created_at": when(row["created_at"]),
                "updated_at": when(row["updated_at"]),
            }
        )
    return data


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
    picks = serializers.DictField(
        child=serializers.ChoiceField(choices=["into", "duplicate"]),
        required=False,
        help_text="field → the lead whose value is kept (default: the kept lead's, its gaps "
        "filled from the duplicate)",
    )

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


class LeadImportSerializer(serializers.ModelSerializer):
    rows_done = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = LeadImport
        fields = [
            "id",
            "name",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
            "started_at",
            "finished_at",
            "state",
            "total_rows",
            "rows_done",
            "percent",
            "created_count",
            "already_count",
            "refused_count",
            "error",
        ]
        read_only_fields = fields


class LeadImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class LeadImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadImportRow
        fields = ["row", "outcome", "title", "lead", "duplicate_of", "errors"]
        read_only_fields = fields
