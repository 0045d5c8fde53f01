"""Merging a duplicate customer into the one kept: the user picks each field, every related row
moves (contacts, deals, contracts, revenue, invoices, payments, activities, files…), and the
merge is recorded on the survivor's timeline. The duplicate row stays, marked merged."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.errors import InvalidInput, NotAllowed
from ltc.core.merge import move_related_rows

from .models import Customer
from .services import may_merge_customers

# The fields a user picks from either side, with their labels.
MERGE_FIELDS = [
    ("name", gettext_lazy("Name")),
    ("industry", gettext_lazy("Industry")),
    ("region", gettext_lazy("Region")),
    ("address", gettext_lazy("Address")),
    ("tax_id", gettext_lazy("Tax id")),
    ("website", gettext_lazy("Website")),
    ("owner", gettext_lazy("Account owner")),
    ("team", gettext_lazy("Team")),
    ("external_id", gettext_lazy("External id")),
]
KEEP, OTHER = "keep", "other"


def merge_customers(*, keep: Customer, other: Customer, by, picks: dict[str, str], now=None):
    """Fold ``other`` into ``keep``. ``picks`` maps a field of MERGE_FIELDS to ``keep`` or
    ``other`` (missing: ``keep``, or ``other`` where ``keep`` has it blank)."""
    if not may_merge_customers(by):
        raise NotAllowed(_("Only a manager or an admin may merge customers."))
    if keep.pk == other.pk:
        raise InvalidInput(_("A customer cannot be merged into itself."), "other")
    names = {name for name, _label in MERGE_FIELDS}
    for name, side in picks.items():
        if name not in names:
            raise InvalidInput(_("Unknown field to merge."), name)
        if side not in (KEEP, OTHER):
            raise InvalidInput(_("Pick one of the two customers."), name)
    now = now or timezone.now()
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .filter(pk__in=sorted([keep.pk, other.pk]))
            .order_by("pk")
        }
        keep, other = locked[keep.pk], locked[other.pk]
        if keep.merged_into_id or other.merged_into_id:
            raise InvalidInput(_("This customer was already merged."), "other")
        taken = []
        kept_external_id = keep.external_id
        for name, label in MERGE_FIELDS:
            mine, theirs = getattr(keep, name), getattr(other, name)
            side = picks.get(name) or (OTHER if not mine and theirs else KEEP)
            if side == OTHER and mine != theirs:
                setattr(keep, name, theirs)
                taken.append(str(label))
        # The ERP's ids: the picked one on the survivor, the other one on the duplicate, where
        # the upsert by that id follows ``merged_into`` to the survivor (unique: one at a time).
        other_external_id = other.external_id
        other.external_id = ""
        other.merged_into = keep
        other.merged_at = now
        other.save(update_fields=["external_id", "merged_into", "merged_at"])
        keep.save()
        other.external_id = (
            kept_external_id if keep.external_id == other_external_id else other_external_id
        )
        if other.external_id == keep.external_id:
            other.external_id = ""
        other.save(update_fields=["external_id"])
        moved = move_related_rows(source=other, target=keep)
        from ltc.activity.services import log_transition

        log_transition(
            obj=keep,
            transition="merge",
            source=f"#{other.pk}",
            target=f"#{keep.pk}",
            actor=by,
            at=now,
            comment=_(
                "Merged “%(name)s” (#%(id)s) into this customer; fields taken from it: %(fields)s; rows moved: %(rows)s."
            )
            % {
                "name": other.name,
                "id": other.pk,
                "fields": ", ".join(taken) or "—",
                "rows": sum(moved.values()),
            },
        )
        return keep, moved
