from rest_framework import serializers

from ..models import ActivityKind, PlannedActivity
from ..subjects import for_content_type_id, keys


class PlannedActivitySerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()
    subject_id = serializers.IntegerField(source="object_id", read_only=True)
    owner_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlannedActivity
        fields = [
            "id",
            "kind",
            "title",
            "note",
            "due_at",
            "duration_minutes",
            "owner",
            "owner_name",
            "created_by",
            "subject_type",
            "subject_id",
            "state",
            "overdue",
            "outcome",
            "completed_at",
            "activity",
            "created_at",
        ]
        read_only_fields = fields

    def get_subject_type(self, planned) -> str | None:
        subject = for_content_type_id(planned.content_type_id)
        return subject.key if subject else None

    def get_owner_name(self, planned) -> str:
        return str(planned.owner)

    def get_overdue(self, planned) -> bool:
        return planned.is_overdue()


class PlanActivitySerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=[])
    subject_id = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    title = serializers.CharField(max_length=200)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1440, default=30)
    owner = serializers.IntegerField(min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_type"].choices = keys()


class PlannedActivityOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000)


class CancelPlannedActivitySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
