"""Moving every row that points at one record to another: the data-keeping half of a merge.

Every foreign key to the model (hidden ones included) and every generic relation (activities,
attachments…) is found from the model registry, so a relation added later is moved too without
this module knowing it. A record's own history (its transition log) stays with it."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import TransitionRefused

# Rows that tell what happened to the record itself: they stay on the merged duplicate.
HISTORY = {"activity.transitionlog"}


def foreign_keys_to(model) -> list[tuple[type, str]]:
    """(model, field name) of every foreign key and one-to-one field pointing at ``model``."""
    return [
        (rel.related_model, rel.field.name)
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


def generic_relations() -> list[tuple[type, str, str]]:
    """(model, content type field, object id field) of every generic foreign key."""
    found = []
    for model in apps.get_models():
        for field in model._meta.private_fields:
            if isinstance(field, GenericForeignKey):
                found.append((model, field.ct_field, field.fk_field))
    return found


def move_related_rows(*, source, target, keep: set[str] = frozenset()) -> dict[str, int]:
    """Repoint every row referring to ``source`` at ``target``; answers rows moved per relation
    (``app.model.field``). ``keep`` names relations (or models) left on ``source``. Runs inside
    the caller's transaction; a unique constraint the move would break refuses the merge."""
    model = type(source)
    moved: dict[str, int] = {}
    try:
        with transaction.atomic():
            for related, name in foreign_keys_to(model):
                key = f"{related._meta.label_lower}.{name}"
                if key in keep or related._meta.label_lower in keep:
                    continue
                moved[key] = related._base_manager.filter(**{name: source.pk}).update(
                    **{name: target.pk}
                )
            content_type = ContentType.objects.get_for_model(model)
            for related, ct_field, fk_field in generic_relations():
                label = related._meta.label_lower
                if label in HISTORY or label in keep:
                    continue
                moved[f"{label}.{fk_field}"] = related._base_manager.filter(
                    **{ct_field: content_type, fk_field: source.pk}
                ).update(**{fk_field: target.pk})
    except IntegrityError:
        raise TransitionRefused(
            _(
                "The two records hold rows that cannot be combined (for example the same "
                "payment reference twice); correct one of them first."
            )
        )
    return moved
