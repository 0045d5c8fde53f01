"""What the attachments panel shows: a record's files, newest first, deleted ones marked."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from .models import Attachment
from .registry import kinds_for, label_of
from .services import may_attach, may_delete

PANEL_ROWS = 100


def panel_context(user, subject) -> dict:
    """Two queries whatever the number of files: the rows with their users, and nothing per row
    (the team tree behind ``may_delete`` is cached on the user)."""
    content_type = ContentType.objects.get_for_model(subject)
    rows = list(
        Attachment.objects.filter(content_type=content_type, object_id=subject.pk)
        .select_related("uploaded_by", "deleted_by")
        .order_by("-uploaded_at", "-id")[:PANEL_ROWS]
    )
    for row in rows:
        row.can_delete = row.deleted_at is None and may_delete(user, row)
    label = label_of(subject)
    return {
        "subject": subject,
        "subject_type": label,
        "attachments": [r for r in rows if r.deleted_at is None],
        "deleted_attachments": [r for r in rows if r.deleted_at is not None],
        "kinds": kinds_for(label),
        "can_attach": may_attach(user, subject),
    }
