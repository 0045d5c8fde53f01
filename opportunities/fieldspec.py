"""The opportunity's fields, written once. The edit form, ``services.update_opportunity``'s
editable fields, the API serializer's fields and read-only fields and the admin's read-only
fields are derived from these lists (before, each wrote its own copy)."""

from __future__ import annotations

# What people edit on a deal (the edit form, in this order; the service; the API's writes).
EDITABLE = (
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "solution_owner",
    "fulfillment_owner",
    "partner",
    "needs",
    "value_proposition",
    "bid_date",
)
# Editable, but only through the service that keeps the grade, the track and the iron
# triangle's history: read-only in the admin.
TRACKED = ("amount", "currency", "partner", "solution_owner", "fulfillment_owner")
# Chosen when the deal is opened (the API's create), not edited afterwards.
PLACED = ("customer", "owner")
# Moved by the gates, the grading, the clocks and the closing: read-only everywhere.
MOVED = (
    "state",
    "stage",
    "process",
    "grade",
    "grade_raised",
    "probability",
    "stage_entered_at",
    "lead",
    "closed_at",
    "last_visit_at",
    "estimated_amount",
    "estimated_currency",
    "team",
)
# Written by closing the deal as lost; an administrator may correct them.
CLOSING = ("loss_reason", "loss_competitor", "loss_lessons")
STAMPS = ("created_at", "updated_at")

# The API's answer, in its order: the fields above and what the serializer computes.
API_FIELDS = (
    "id",
    "name",
    "customer",
    "customer_name",
    "amount",
    "currency",
    "amount_note",
    "estimated_amount",
    "estimated_currency",
    "expected_close_date",
    "grade",
    "grade_raised",
    "process",
    "stage",
    "stage_name",
    "state",
    "probability",
    "days_in_stage",
    "stage_entered_at",
    "owner",
    "owner_name",
    "solution_owner",
    "solution_owner_name",
    "fulfillment_owner",
    "fulfillment_owner_name",
    "team",
    "partner",
    "lead",
    "needs",
    "value_proposition",
    "bid_date",
    "last_visit_at",
    *CLOSING,
    "closed_at",
    *STAMPS,
    "sent_back",
)
# Declared on the serializer (computed, or read through a relation).
COMPUTED = (
    "customer_name",
    "amount_note",
    "stage_name",
    "days_in_stage",
    "owner_name",
    "solution_owner_name",
    "fulfillment_owner_name",
    "sent_back",
)
API_READ_ONLY = ("id", *(f for f in (*MOVED, *CLOSING, *STAMPS) if f not in {"stage", "process"}))
ADMIN_READ_ONLY = (*MOVED, *TRACKED, *PLACED)
