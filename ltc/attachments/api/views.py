"""``/api/v1/attachments/``: list and upload files, read one, download it, soft-delete it.

The list holds the attachments of the records the caller sees; a file of a record the caller
does not see answers 404, like the record."""

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN

from .. import services
from ..models import Attachment
from .serializers import AttachmentSerializer, UploadSerializer


class AttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.none()
    filterset_fields = ["kind"]
    ordering_fields = ["uploaded_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        qs = (
            Attachment.objects.visible_to(self.request.user)
            .select_related("content_type")
            .order_by("-uploaded_at", "-id")
        )
        label = self.request.query_params.get("subject_type")
        object_id = self.request.query_params.get("subject_id")
        if label:
            subject = services.subject_for(self.request.user, label, object_id)
            qs = qs.filter(
                object_id=subject.pk,
                content_type__app_label=subject._meta.app_label,
                content_type__model=subject._meta.model_name,
            )
        if self.request.query_params.get("deleted") not in ("1", "true"):
            qs = qs.filter(deleted_at__isnull=True)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("subject_type", str, description="e.g. contracts.contract"),
            OpenApiParameter("subject_id", int),
            OpenApiParameter("deleted", bool, description="include soft-deleted files"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: AttachmentSerializer,
            400: OpenApiResponse(description="Field errors: a refused size or type names `file`"),
            404: OpenApiResponse(description="The record is not visible"),
        },
        summary="Upload a file to a record",
    )
    def create(self, request, *args, **kwargs):
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subject = services.subject_for(request.user, data["subject_type"], data["subject_id"])
        attachment = services.upload_attachment(
            subject=subject,
            upload=data["file"],
            by=request.user,
            kind=data.get("kind") or "",
            note=data.get("note") or "",
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    def get_parsers(self):
        if getattr(self, "action", None) == "create":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(responses={204: None, 403: FORBIDDEN}, summary="Soft-delete a file (recorded)")
    def destroy(self, request, *args, **kwargs):
        attachment = self.get_object()
        services.delete_attachment(attachment=attachment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): bytes}, summary="The file")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        if attachment.deleted_at is not None:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.name, content_type=attachment.mime_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
