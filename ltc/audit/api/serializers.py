from rest_framework import serializers

from ..models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    """One changed field. ``old_value``/``new_value`` are as stored (a foreign key as its id, a
    choice as its code, money as a plain decimal); ``field_label``, ``old_display``,
    ``new_display`` and ``actor_name`` are the same for people (the field's name, the related
    record's name, the choice's label, money grouped with two decimals)."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    field_label = serializers.CharField(read_only=True)
    old_display = serializers.CharField(read_only=True)
    new_display = serializers.CharField(read_only=True)
    actor_name = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "model",
            "object_id",
            "action",
            "field",
            "field_label",
            "old_value",
            "new_value",
            "old_display",
            "new_display",
            "actor",
            "actor_name",
            "at",
            "source",
            "request_id",
        ]
        read_only_fields = fields


class FieldHistoryPageSerializer(serializers.Serializer):
    """A page of a record's field history, newest first."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AuditEntrySerializer(many=True)
