"""Files attached to a record of the chain (or a customer), kept in Django's default storage.

A file is never served from a public URL: the download view streams it after checking that the
user sees the record it belongs to. Deleting one is recorded (who, when) and keeps the row."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import AttachmentKind, attachable_model, content_types


def stored_name(instance, filename: str) -> str:
    # A random name: the original one is kept in ``name`` and never reaches the storage path.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def of(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def visible_to(self, user):
        """The attachments of the records ``user`` sees: one subquery per attachable model."""
        q = Q(pk__in=[])
        for label, content_type in content_types().items():
            model = attachable_model(label)
            q |= Q(
                content_type=content_type,
                object_id__in=model.objects.visible_to(user).values("pk"),
            )
        return self.filter(q)


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(
        _("kind"), max_length=30, choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT
    )
    file = models.FileField(_("file"), upload_to=stored_name, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(_("type"), max_length=100)
    # Uploading a file of the same name to the same record makes a new version; all are kept.
    version = models.PositiveIntegerField(_("version"), default=1)
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        related_name="attachments_uploaded",
        on_delete=models.PROTECT,
    )
    uploaded_at = models.DateTimeField(_("uploaded"))
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        related_name="attachments_deleted",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-uploaded_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
