from rest_framework import serializers

from ..models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "model",
            "object_id",
            "action",
            "field",
            "old_value",
            "new_value",
            "actor",
            "at",
            "source",
            "request_id",
        ]
        read_only_fields = fields
