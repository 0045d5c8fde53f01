"""Complaints brought to a state through the services, for the tests of every layer."""

from __future__ import annotations

from django.utils import timezone

from complaints import services
from complaints.models import Complaint

from ..api.test_contracts_api import contract_in


def confirmation(**extra) -> dict:
    return {
        "confirmed_by": "Mr Li, site manager",
        "channel": "phone",
        "confirmed_at": timezone.now(),
        **extra,
    }


def complaint_in(
    org, state: str = "open", *, contract=None, severity="high", **fields
) -> Complaint:
    """A complaint on rep1's signed contract (FR: ``delivery``, who owns it by default) brought
    to ``state`` by its owner: open, in_progress, resolved, closed or reopened."""
    contract = contract or contract_in(org, "signed")
    complaint = services.open_complaint(
        by=org.rep1,
        contract=contract,
        title=fields.pop("title", "Cabinet door dented"),
        category=fields.pop("category", "quality"),
        severity=severity,
        **fields,
    )
    owner = complaint.owner
    if state in {"in_progress", "resolved", "closed", "reopened"}:
        complaint = services.start_complaint(complaint=complaint, by=owner)
    if state in {"resolved", "closed", "reopened"}:
        complaint = services.resolve_complaint(
            complaint=complaint, by=owner, resolution="Door replaced."
        )
    if state in {"closed", "reopened"}:
        complaint = services.close_complaint(complaint=complaint, by=owner, **confirmation())
    if state == "reopened":
        complaint = services.reopen_complaint(complaint=complaint, by=owner, reason="Still dented")
    return Complaint.objects.get(pk=complaint.pk)
