"""The lead's fields, written once. The form, the service's editable fields, the API
serializer's fields and read-only fields, the lean list's row columns and the admin's read-only
fields are all derived from these lists (before, each wrote its own copy)."""

from __future__ import annotations

from .models import Lead

# What people type: the form's fields, ``services.update_lead``'s editable fields, the API's
# writable fields. In the order the form and the API show them.
EDITABLE = (
    "title",
    "company_name",
    "contact_name",
    "phone",
    "email",
    "source",
    "campaign",
    "estimated_amount",
    "currency",
    "need",
    "budget_confirmed",
    "notes",
)
# What a lead import file may hold: the editable fields but the campaign (the import page picks
# one for the whole file) and the confirmed budget (a fact the rep checks, not a cell to upload).
IMPORTED = tuple(name for name in EDITABLE if name not in ("campaign", "budget_confirmed"))
# Written when the lead is created through the API (its pool), never edited afterwards.
PLACED = ("pool",)
# Read-only everywhere: moved by the transitions and the clocks, or computed (``COMPUTED``).
READ_ONLY = (
    "owner",
    "owner_name",
    "state",
    "assigned_at",
    "last_follow_up_at",
    "follow_up_due_at",
    "follow_up_count",
    "recovery_count",
    "disqualify_reason",
    "disqualify_note",
    "duplicate_of",
    "score",
    "score_reasons",
    "created_at",
    "updated_at",
)
# Not model fields: the API computes them (the owner's display name).
COMPUTED = {"owner_name": ("owner__first_name", "owner__last_name", "owner__username")}
# Read-only in the admin although the API does not show them.
ADMIN_ONLY_READ_ONLY = ("created_by",)

API_FIELDS = ("id", *EDITABLE, *PLACED, *READ_ONLY)
API_READ_ONLY = ("id", *READ_ONLY)
ADMIN_READ_ONLY = (*(name for name in READ_ONLY if name not in COMPUTED), *ADMIN_ONLY_READ_ONLY)


def row_columns() -> tuple[str, ...]:
    """The ``values()`` columns of the lean list rows: every API field, a foreign key as its
    id, a computed field as what it is made of."""
    columns = []
    for name in API_FIELDS:
        if name in COMPUTED:
            columns.extend(COMPUTED[name])
        elif Lead._meta.get_field(name).is_relation:
            columns.append(f"{name}_id")
        else:
            columns.append(name)
    return tuple(columns)
