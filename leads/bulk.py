"""Lead import through the API (``POST leads/bulk/``): a list of leads, each row validated and
created in its own transaction, answered row by row (created, duplicate, or error with the field
messages). The same rules as the one-by-one ``POST leads/`` and the file import."""

from __future__ import annotations

from django.db import transaction
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import DomainError, InvalidInput, NotAllowed

from . import services

MAX_BULK_LEADS = 500


def _messages(errors) -> dict[str, list[str]]:
    """DRF's error tree flattened to ``{field: [message, …]}``."""
    if isinstance(errors, dict):
        return {
            str(field): [force_str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in errors.items()
        }
    return {"non_field_errors": [force_str(m) for m in errors]}


def import_leads(*, rows: list, by) -> list[dict]:
    """One result per row, in order: ``{"index", "status", "id", "duplicate_of", "errors"}``."""
    from .api.serializers import LeadSerializer

    if services._role(by) not in services.CREATORS:
        raise NotAllowed(_("Your role may not create leads."))
    if not isinstance(rows, list) or not rows:
        raise InvalidInput(_("Send a non-empty list of leads."), "leads")
    if len(rows) > MAX_BULK_LEADS:
        raise InvalidInput(
            _("At most %(max)s leads per request.") % {"max": MAX_BULK_LEADS}, "leads"
        )
    results = []
    for index, record in enumerate(rows):
        result = {"index": index, "status": "error", "id": None, "duplicate_of": None, "errors": {}}
        results.append(result)
        if not isinstance(record, dict):
            result["errors"] = {"non_field_errors": [force_str(_("Each row is an object."))]}
            continue
        serializer = LeadSerializer(data=record)
        if not serializer.is_valid():
            result["errors"] = _messages(serializer.errors)
            continue
        data = dict(serializer.validated_data)
        data.pop("pool", None)
        try:
            with transaction.atomic():
                lead = services.create_lead(by=by, **data)
        except DomainError as exc:
            result["errors"] = _messages(
                exc.as_dict() if isinstance(exc, InvalidInput) else {"detail": [exc.detail]}
            )
            continue
        result.update(
            status="duplicate" if lead.duplicate_of_id else "created",
            id=lead.pk,
            duplicate_of=lead.duplicate_of_id,
        )
    return results
