"""A record's field history, readable by people: the audit entries of one record, with the
field's label, the user's name, money grouped with two decimals, choice labels, dates in the
language's format and foreign keys as the names of what they point at (not raw ids).

``readable(entries)`` decorates entries in place with ``record_label`` ("发票 INV-2026-00001",
"Invoice INV-2026-00001": the record's kind and its number or name), ``field_label``,
``old_display``, ``new_display`` and ``actor_name``, resolving the records and the foreign keys of
a whole page in one query per model. It reads the models by their labels, so it imports no chain app.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from ltc.core.numbers import whole_number

from .models import AuditEntry

EMPTY = "—"
UNKNOWN = "?"  # a value the tracker did not have loaded when the record changed


def label_of(record: models.Model) -> str:
    return record._meta.label


def history_of(record: models.Model):
    """The record's entries, newest first."""
    return (
        AuditEntry.objects.filter(model=label_of(record), object_id=str(record.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )


def _fields_by_attname(label: str) -> dict[str, models.Field]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return {}
    return {field.attname: field for field in model._meta.concrete_fields}


def _text(field: models.Field | None, raw: str | None, names: dict) -> str:
    if raw is None or raw == "":
        return EMPTY
    if raw == UNKNOWN:
        return UNKNOWN
    if field is None:
        return raw
    if field.is_relation:
        return names.get((field.related_model, raw), f"#{raw}")
    if field.choices:
        return force_str(dict(field.flatchoices).get(raw, raw))
    if isinstance(field, models.BooleanField):
        return _("yes") if raw == "True" else _("no")
    if isinstance(field, models.DecimalField):
        try:
            return floatformat(Decimal(raw), f"{field.decimal_places}g")
        except InvalidOperation:
            return raw
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(raw)
        if isinstance(moment, datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "DATETIME_FORMAT")
        return raw
    if isinstance(field, models.DateField):
        day = parse_date(raw)
        return formats.date_format(day, "DATE_FORMAT") if isinstance(day, date) else raw
    return raw


# The field a record is known by, first found wins: one column read per model, no __str__ (which
# may read related rows) per record.
NAME_FIELDS = ("number", "reference", "name", "title", "label", "username")


def model_label(label: str) -> str:
    """The kind of record in the reader's language ("发票"), or the label when it is unknown."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    name = force_str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def _record_names(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if whole_number(entry.object_id) is not None:
            wanted[entry.model].add(entry.object_id)
    names = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        fields = {field.name for field in model._meta.concrete_fields}
        column = next((name for name in NAME_FIELDS if name in fields), None)
        if column is None:
            continue
        rows = model._base_manager.filter(pk__in=ids).values_list("pk", column)
        names.update({(label, str(pk)): str(value) for pk, value in rows if value})
    return names


def source_label(source: str) -> str:
    """Where a change came from, in words: "网页", "API", "定时任务 recover_overdue_leads"."""
    labels = {
        "web": _("web page"),
        "api": _("API"),
        "admin": _("admin site"),
        "system": _("system"),
    }
    if source in labels:
        return labels[source]
    if source.startswith("task:"):
        name = source.removeprefix("task:").rsplit(".", 1)[-1]
        return _("scheduled task %(name)s") % {"name": name}
    return source


def readable(entries: Iterable[AuditEntry], *, with_records: bool = True) -> list[AuditEntry]:
    """``with_records=False`` for one record's own history: its page already names it."""
    entries = list(entries)
    records = _record_names(entries) if with_records else {}
    kinds = {label: model_label(label) for label in {e.model for e in entries}}
    fields = {label: _fields_by_attname(label) for label in {e.model for e in entries}}
    # Foreign keys: the ids per related model, then one query each.
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        field = fields[entry.model].get(entry.field)
        if field is not None and field.is_relation:
            for raw in (entry.old_value, entry.new_value):
                if raw not in (None, "", UNKNOWN):
                    wanted[field.related_model].add(raw)
    names: dict[tuple[type[models.Model], str], str] = {}
    for model, ids in wanted.items():
        keys = [pk for pk in ids if whole_number(pk) is not None]
        for obj in model._base_manager.filter(pk__in=keys):
            names[(model, str(obj.pk))] = str(obj)
    for entry in entries:
        field = fields[entry.model].get(entry.field)
        name = records.get((entry.model, entry.object_id), f"#{entry.object_id}")
        entry.record_label = f"{kinds[entry.model]} {name}"
        entry.field_label = (
            force_str(field.verbose_name)[:1].upper() + force_str(field.verbose_name)[1:]
            if field is not None
            else entry.field
        )
        entry.old_display = _text(field, entry.old_value, names)
        entry.new_display = _text(field, entry.new_value, names)
        entry.actor_name = str(entry.actor) if entry.actor_id else _("system")
        entry.source_label = source_label(entry.source)
    return entries


def page_of(record: models.Model, limit: int = 50) -> dict:
    """What a record's page shows: its latest ``limit`` changes, readable, and whether there
    are more (the API has them all)."""
    rows = readable(history_of(record)[: limit + 1], with_records=False)
    return {"field_history": rows[:limit], "field_history_more": len(rows) > limit}
