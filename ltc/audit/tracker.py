"""Tracking money records: the chain apps name the fields to audit (``LTC_AUDITED_FIELDS`` in
settings, model labels only, so nothing here imports a chain app), or call ``track()`` from
their AppConfig.ready. Each tracked instance remembers the values it was loaded with; saving it
writes one ``AuditEntry`` per field whose value changed, in the same transaction as the change.

``bulk_create`` sends no signals, so the tracked model's manager is wrapped to audit what it
creates as well. ``QuerySet.update()`` is not seen: services change money records by saving them.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from .context import current

_TRACKED: dict[type[Model], tuple[str, ...]] = {}
_UNKNOWN = object()


def as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def tracked_fields(model: type[Model]) -> tuple[str, ...]:
    return _TRACKED.get(model, ())


def track(model: type[Model], fields: list[str] | tuple[str, ...]) -> None:
    """Audit these fields of the model (names; a foreign key is stored as its id)."""
    attnames = tuple(model._meta.get_field(name).attname for name in fields)
    if model in _TRACKED:
        _TRACKED[model] = tuple(dict.fromkeys(_TRACKED[model] + attnames))
        return
    _TRACKED[model] = attnames
    uid = f"ltc.audit.{model._meta.label}"
    post_init.connect(_remember, sender=model, dispatch_uid=uid + ".init", weak=False)
    post_save.connect(_saved, sender=model, dispatch_uid=uid + ".save", weak=False)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid + ".delete", weak=False)
    _wrap_bulk_create(model)


def track_from_settings(config: dict[str, list[str]]) -> None:
    for label, fields in config.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # an app that is not installed in this deployment
        track(model, fields)


def _snapshot(instance) -> dict[str, object]:
    # Only what was loaded: reading a deferred field here would cost a query per instance.
    values = instance.__dict__
    return {name: values.get(name, _UNKNOWN) for name in tracked_fields(type(instance))}


def _remember(sender, instance, **kwargs):
    instance._audit_loaded = _snapshot(instance) if instance.pk is not None else {}


def _entries(instance, action: str, changes: list[tuple[str, object, object]]):
    from .models import AuditEntry

    context = current()
    actor = context.current_actor()
    at = timezone.now()
    return [
        AuditEntry(
            model=instance._meta.label,
            object_id=str(instance.pk),
            action=action,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
            actor=actor,
            at=at,
            source=context.source,
            request_id=context.request_id,
        )
        for field, old, new in changes
    ]


def _write(entries) -> None:
    from .models import AuditEntry

    if entries:
        AuditEntry.objects.bulk_create(entries)


def _saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return  # fixtures loading
    fields = tracked_fields(sender)
    now = {name: getattr(instance, name) for name in fields}
    if created:
        changes = [(name, None, value) for name, value in now.items() if value is not None]
        action = "create"
    else:
        loaded = getattr(instance, "_audit_loaded", {})
        if update_fields is not None:
            names = {sender._meta.get_field(f).attname for f in update_fields}
            fields = tuple(f for f in fields if f in names)
        changes = [
            (name, loaded.get(name, _UNKNOWN), now[name])
            for name in fields
            if loaded.get(name, _UNKNOWN) is _UNKNOWN or loaded[name] != now[name]
        ]
        # A value not loaded with the instance: its old value is unknown, not "empty".
        changes = [
            (name, "?" if old is _UNKNOWN else old, new)
            for name, old, new in changes
            if not (old is _UNKNOWN and new is None)
        ]
        action = "update"
    _write(_entries(instance, action, changes))
    instance._audit_loaded = dict(now)


def _deleted(sender, instance, **kwargs):
    loaded = getattr(instance, "_audit_loaded", {})
    changes = [
        (name, loaded.get(name), None)
        for name in tracked_fields(sender)
        if loaded.get(name, _UNKNOWN) is not _UNKNOWN
    ]
    _write(_entries(instance, "delete", changes or [("pk", instance.pk, None)]))


def _wrap_bulk_create(model: type[Model]) -> None:
    for manager in model._meta.managers:
        original = manager.bulk_create
        if getattr(original, "_ltc_audited", False):
            continue

        def bulk_create(objs, *args, _original=original, **kwargs):
            created = _original(objs, *args, **kwargs)
            entries = []
            for obj in created:
                if obj.pk is None:
                    continue
                values = [(name, None, getattr(obj, name)) for name in tracked_fields(model)]
                entries += _entries(obj, "create", [v for v in values if v[2] is not None])
                obj._audit_loaded = {name: getattr(obj, name) for name in tracked_fields(model)}
            _write(entries)
            return created

        bulk_create._ltc_audited = True
        manager.bulk_create = bulk_create
