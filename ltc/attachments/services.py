"""Uploading and deleting attachments: the limits, who may, and the recorded soft delete."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.errors import InvalidInput, NotAllowed
from ltc.org.models import Role
from ltc.org.scoping import manages

from .models import Attachment
from .registry import ATTACHABLE, attachable_model, label_of

# The first bytes of the formats whose content can be told from their extension: a renamed
# executable does not pass as a PDF. Office files of 2007 and later are zip containers; the older
# ones are OLE compound files.
SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".zip": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".ofd": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".ppt": (b"\xd0\xcf\x11\xe0",),
}


def subject_for(user, label: str, object_id) -> object:
    """The record ``label``/``object_id`` when it takes attachments and ``user`` sees it; else
    404, the same answer for a record that does not exist and one that is not visible."""
    model = attachable_model(label)
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        raise Http404
    if model is None:
        raise Http404
    subject = model.objects.visible_to(user).filter(pk=object_id).first()
    if subject is None:
        raise Http404
    return subject


def subject_of(user, attachment: Attachment):
    """The record ``attachment`` belongs to, when ``user`` sees it; else 404."""
    model = attachment.content_type.model_class()
    return subject_for(user, label_of(model), attachment.object_id)


def may_attach(user, subject) -> bool:
    """Whoever sees a record may attach to it, except read-only roles (none today)."""
    return user.is_authenticated and user.is_active


def may_delete(user, attachment: Attachment) -> bool:
    """The uploader, their manager, or an admin."""
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return attachment.uploaded_by_id == user.pk or manages(user, attachment.uploaded_by)


def check_file(upload) -> str:
    """The extension of ``upload`` when its size and type are allowed; else InvalidInput
    naming the ``file`` field."""
    if upload is None:
        raise InvalidInput(_("Choose a file to upload."), "file")
    extension = PurePath(upload.name or "").suffix.lower()
    allowed = settings.ATTACHMENT_EXTENSIONS
    if extension not in allowed:
        raise InvalidInput(
            _("Files of type “%(ext)s” are not accepted; allowed: %(allowed)s.")
            % {"ext": extension or "—", "allowed": ", ".join(sorted(allowed))},
            "file",
        )
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."), "file")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(
            _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            "file",
        )
    signatures = SIGNATURES.get(extension)
    if signatures:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in signatures):
            raise InvalidInput(
                _("The content of the file is not a %(ext)s file.") % {"ext": extension}, "file"
            )
    return extension


def upload_attachment(
    *, subject, upload, by, kind: str = "", note: str = "", now=None
) -> Attachment:
    label = label_of(subject)
    if label not in ATTACHABLE:
        raise InvalidInput(_("This record does not take attachments."), "subject_type")
    if not may_attach(by, subject):
        raise NotAllowed(_("You may not attach files to this record."))
    kinds = [k.value for k in ATTACHABLE[label]]
    kind = kind or kinds[0]
    if kind not in kinds:
        raise InvalidInput(_("This kind of file does not belong to this record."), "kind")
    if len(note or "") > 300:
        raise InvalidInput(_("The note is at most 300 characters."), "note")
    extension = check_file(upload)
    name = PurePath(upload.name).name[-200:]
    content_type = ContentType.objects.get_for_model(subject)
    with transaction.atomic():
        # The record's row serialises uploads to it, so two versions never get one number.
        type(subject).objects.select_for_update().filter(pk=subject.pk).exists()
        previous = Attachment.objects.filter(
            content_type=content_type, object_id=subject.pk, name=name
        ).aggregate(last=Max("version"))["last"]
        return Attachment.objects.create(
            content_type=content_type,
            object_id=subject.pk,
            kind=kind,
            file=upload,
            name=name,
            size=upload.size,
            mime_type=mimetypes.types_map.get(extension, "application/octet-stream"),
            version=(previous or 0) + 1,
            note=note or "",
            uploaded_by=by,
            uploaded_at=now or timezone.now(),
        )


def delete_attachment(*, attachment: Attachment, by, now=None) -> Attachment:
    """A recorded soft delete: the row and the stored file stay, marked deleted by ``by``."""
    with transaction.atomic():
        attachment = (
            Attachment.objects.select_for_update(of=("self",))
            .select_related("uploaded_by")
            .get(pk=attachment.pk)
        )
        if not may_delete(by, attachment):
            raise NotAllowed(_("Only the uploader, their manager or an admin may delete a file."))
        if attachment.deleted_at is None:
            attachment.deleted_at = now or timezone.now()
            attachment.deleted_by = by
            attachment.save(update_fields=["deleted_at", "deleted_by"])
        return attachment
