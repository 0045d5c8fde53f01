from django.urls import reverse
from rest_framework import serializers

from ..models import Attachment
from ..registry import ATTACHABLE


class AttachmentSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()
    subject_id = serializers.IntegerField(source="object_id", read_only=True)
    download_url = serializers.SerializerMethodField()
    uploaded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    deleted_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "kind",
            "name",
            "size",
            "mime_type",
            "version",
            "note",
            "uploaded_by",
            "uploaded_at",
            "deleted_by",
            "deleted_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_subject_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_download_url(self, obj) -> str | None:
        if obj.deleted_at is not None:
            return None
        return reverse("attachment-download", args=[obj.pk])


class UploadSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=sorted(ATTACHABLE))
    subject_id = serializers.IntegerField(min_value=1)
    file = serializers.FileField(allow_empty_file=True)
    kind = serializers.CharField(required=False, allow_blank=True, max_length=30)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
