"""The lead score: transparent rules, each adding points with a reason a rep can read."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

SOURCE_POINTS = {
    "referral": 20,
    "partner": 15,
    "trade_show": 15,
    "inbound_call": 15,
    "campaign": 10,
    "website": 10,
    "employee": 10,
    "social": 5,
}
AMOUNT_POINTS = [
    (Decimal("5000000"), 25),
    (Decimal("1000000"), 20),
    (Decimal("200000"), 10),
    (Decimal("0.01"), 5),
]

REASON_LABELS = {
    "source": _("Source: %(value)s"),
    "budget": _("Budget confirmed"),
    "amount": _("Estimated amount ≥ %(value)s"),
    "phone": _("Phone given"),
    "email": _("E-mail given"),
    "contact": _("Contact person named"),
    "need": _("Need described"),
    "activity": _("%(value)s follow-up(s) logged"),
}


def score_lead(lead) -> tuple[int, list[dict]]:
    """Return the score and its reasons as ``[{"code", "points", "value"}]`` (labels are
    translated when shown, see ``reason_label``)."""
    reasons: list[dict] = []

    def add(code: str, points: int, value: str = "") -> None:
        if points:
            reasons.append({"code": code, "points": points, "value": value})

    add("source", SOURCE_POINTS.get(lead.source, 0), lead.source)
    if lead.budget_confirmed:
        add("budget", 25)
    amount = lead.estimated_amount or Decimal(0)
    for threshold, points in AMOUNT_POINTS:
        if amount >= threshold:
            add("amount", points, f"{threshold:,.0f}")
            break
    if lead.phone:
        add("phone", 5)
    if lead.email:
        add("email", 5)
    if lead.contact_name:
        add("contact", 5)
    if (lead.need or "").strip():
        add("need", 5)
    if lead.follow_up_count:
        add("activity", min(lead.follow_up_count, 3) * 5, str(lead.follow_up_count))
    return sum(r["points"] for r in reasons), reasons


def reason_label(reason: dict) -> str:
    from .models import Source

    value = reason.get("value", "")
    if reason["code"] == "source":
        value = str(dict(Source.choices).get(value, value))
    return str(REASON_LABELS.get(reason["code"], reason["code"])) % {"value": value}


def rescore(lead) -> None:
    lead.score, lead.score_reasons = score_lead(lead)
