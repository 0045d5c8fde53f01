"""Merging a duplicate lead into the one kept: the fields picked from either, the rows moved."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import (
    log_transition,
)
from ltc.core.errors import InvalidInput
from ltc.core.fsm import ensure_can
from ltc.core.merge import move_related_rows

from ..models import DisqualifyReason, Lead
from ..scoring import rescore
from .editing import _stamp
from .rules import _require, may_merge

# The fields a user picks from either lead when merging, with their labels.
MERGE_FIELDS = [
    ("title", _("Title")),
    ("company_name", _("Company")),
    ("contact_name", _("Contact")),
    ("phone", _("Phone")),
    ("email", _("E-mail")),
    ("source", _("Source")),
    ("campaign", _("Campaign")),
    ("estimated_amount", _("Estimated amount")),
    ("currency", _("Currency")),
    ("need", _("Need")),
    ("budget_confirmed", _("Budget confirmed")),
    ("notes", _("Notes")),
]
# A duplicate's own history stays with it (it remains, disqualified as a duplicate): its
# recoveries; a converted lead's deal cannot be the duplicate's (only open leads merge).
MERGE_KEEPS_ON_DUPLICATE = {"leads.leadrecovery", "opportunities.opportunity"}


@transaction.atomic
def merge_leads(
    *,
    duplicate: Lead,
    into: Lead,
    user,
    picks: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Lead:
    """Fold a duplicate into the lead it repeats: each field from the side ``picks`` names
    (``into`` or ``duplicate``; by default ``into``'s, its gaps filled from the duplicate), every
    related row moved (activities, files, leads flagged as its duplicates), the duplicate
    disqualified, and the merge recorded on both leads' timelines."""
    # Over 60 lines on purpose: one transaction on both leads taken in id order, checking every
    # pick before changing anything; its steps read in the order the docstring tells them.
    now = now or timezone.now()
    if duplicate.pk == into.pk:
        raise InvalidInput(_("A lead cannot be merged into itself."), "into")
    names = {name for name, _label in MERGE_FIELDS}
    for name, side in (picks or {}).items():
        if name not in names:
            raise InvalidInput(_("Unknown field to merge."), name)
        if side not in ("into", "duplicate"):
            raise InvalidInput(_("Pick one of the two leads."), name)
    first, second = sorted([duplicate.pk, into.pk])
    locked = {
        lead.pk: lead
        for lead in Lead.objects.select_for_update(of=("self",))
        .select_related("pool", "owner")
        .filter(pk__in=[first, second])
    }
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    _require(may_merge(user, duplicate, into), _("You may not merge these leads."))
    if not into.is_open:
        raise InvalidInput(_("Leads can only be merged into an open lead."), "into")
    for name, _label in MERGE_FIELDS:
        mine, theirs = getattr(into, name), getattr(duplicate, name)
        side = (picks or {}).get(name) or ("duplicate" if not mine and theirs else "into")
        if side == "duplicate":
            setattr(into, name, theirs)
    moved = move_related_rows(source=duplicate, target=into, keep=MERGE_KEEPS_ON_DUPLICATE)
    into.follow_up_count += moved.get("activity.activity.object_id", 0)
    if into.duplicate_of_id in (duplicate.pk, into.pk):
        into.duplicate_of = None
    _stamp(into)
    rescore(into)
    into.save()
    source = duplicate.state
    duplicate.disqualify_reason = DisqualifyReason.DUPLICATE
    duplicate.disqualify_note = f"#{into.pk} {into.title}"
    duplicate.duplicate_of = into
    ensure_can(duplicate, "disqualify", _("This lead cannot be merged."))
    duplicate.disqualify(at=now)
    duplicate.save()
    log_transition(
        obj=duplicate,
        transition="merge",
        source=source,
        target=duplicate.state,
        actor=user,
        at=now,
        comment=duplicate.disqualify_note,
    )
    log_transition(
        obj=into,
        transition="merge",
        source=into.state,
        target=into.state,
        actor=user,
        at=now,
        comment=_("Merged lead #%(id)s “%(title)s” into this one; rows moved: %(rows)s.")
        % {"id": duplicate.pk, "title": duplicate.title, "rows": sum(moved.values())},
    )
    return into
