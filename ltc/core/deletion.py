"""Records that carry money or delivery are never hard-deleted: they are cancelled, voided,
superseded or corrected, and their history stays. ``never_deleted`` makes the model refuse
deletion everywhere Django deletes: ``instance.delete()``, ``QuerySet.delete()`` and the
cascade of a parent's deletion (a ``pre_delete`` receiver also turns off Django's fast delete,
so every row passes through it). The admin hides its delete action on top of that."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _

from .errors import DomainError


class DeletionRefused(DomainError):
    """A money or delivery record asked to be deleted (HTTP 409): cancel or void it instead."""


def never_deleted(model, *, unless: Callable[[object], bool] | None = None, instead: str = ""):
    """Refuse every deletion of ``model``'s rows, except those ``unless(row)`` allows (a draft's
    parts that nobody relies on yet). ``instead`` tells the user what to do."""

    def refuse(sender, instance, **kwargs):
        if unless is not None and unless(instance):
            return
        raise DeletionRefused(
            _("%(record)s “%(name)s” is never deleted. %(instead)s")
            % {
                "record": model._meta.verbose_name.capitalize(),
                "name": instance,
                "instead": instead,
            }
        )

    pre_delete.connect(refuse, sender=model, weak=False, dispatch_uid=f"never_deleted:{model}")
    return model
