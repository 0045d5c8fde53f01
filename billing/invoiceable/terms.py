"""The contract's milestones as billing reads them, and the small money helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from contracts.models import Contract, PaymentTerm, Trigger
from ltc.core.errors import Missing
from ltc.core.money import quantize

from ..models import LIVE_STATES, Invoice
from ..selectors import MONEY, ZERO

HUNDRED = Decimal("100")
NOTHING = Decimal("0.00")


def live_invoices() -> QuerySet[Invoice]:
    """Invoices that hold invoiceable amount: drafts and issued ones (paid or not)."""
    return Invoice.objects.filter(state__in=LIVE_STATES)


def money(value: Decimal) -> str:
    """An amount as finance reads it in either language: 1,000,000.00."""
    return f"{quantize(value):,.2f}"


def percent(value: Decimal) -> str:
    """A share without trailing zeros: 60, 33.33, 12.5."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def share_of(amount: Decimal, percent_value: Decimal) -> Decimal:
    """``amount`` × ``percent_value`` / 100, rounded to the cent (half up) once."""
    return quantize(amount * percent_value / HUNDRED)


# The contract's milestones as billing reads them -------------------------------------------------
@dataclass(frozen=True)
class Term:
    """A payment milestone: one of the contract's terms, or of a change not applied yet."""

    id: int | None
    label: str
    percent: Decimal
    trigger: str
    due_date: date | None
    amount: Decimal  # its share of the contract amount, split to the cent like amount_of
    invoiced: Decimal = NOTHING  # what live invoices naming it hold

    def is_triggered(self, signed: bool, today: date) -> bool:
        """Signing milestones once signed, dated ones once their date has come; acceptance
        milestones never (they are invoiced through the orders)."""
        if self.trigger == Trigger.SIGNING:
            return signed
        if self.trigger == Trigger.DATE:
            return self.due_date is not None and self.due_date <= today
        return False


def split(amount: Decimal, rows: Iterable[dict]) -> list[Term]:
    """Milestones (``id``, ``label``, ``percent``, ``trigger``, ``due_date``, ``invoiced`` when
    known, in their order) with their share of ``amount``, split to the cent as
    ``PaymentTerm.amount_of`` splits them: the rounded running total through a milestone minus
    the rounded running total before it, so they add up to ``amount``."""
    result, before = [], Decimal("0")
    for row in rows:
        share = Decimal(str(row["percent"]))
        result.append(
            Term(
                id=row.get("id"),
                label=row["label"],
                percent=share,
                trigger=row["trigger"],
                due_date=row.get("due_date"),
                amount=share_of(amount, before + share) - share_of(amount, before),
                invoiced=quantize(row.get("invoiced") or 0),
            )
        )
        before += share
    return result


TERM_FIELDS = ("id", "label", "percent", "trigger", "due_date")


def terms_of(contract: Contract) -> list[Term]:
    """The contract's terms (prefetched, or one query), with ``invoiced`` when the prefetch
    annotated it (``contracts_for_queue``, ``for_contract``)."""
    rows = [
        {**{name: getattr(t, name) for name in TERM_FIELDS}, "invoiced": getattr(t, "invoiced", 0)}
        for t in contract.terms.all()  # ordered by position, id
    ]
    return split(contract.amount, rows)


def terms_of_contracts(contracts: Iterable[Contract]) -> dict[int, list[Term]]:
    """``terms_of`` of each contract by id: those prefetched as they are, the others' terms in
    one query."""
    contracts = list(contracts)
    found = {
        c.pk: terms_of(c)
        for c in contracts
        if "terms" in getattr(c, "_prefetched_objects_cache", {})
    }
    rest = {c.pk: c for c in contracts if c.pk not in found}
    rows: dict[int, list[dict]] = {pk: [] for pk in rest}
    for row in (
        PaymentTerm.objects.filter(contract_id__in=rest)
        .order_by("contract_id", "position", "id")
        .values("contract_id", *TERM_FIELDS)
    ):
        rows[row.pop("contract_id")].append(row)
    found.update({pk: split(contract.amount, rows[pk]) for pk, contract in rest.items()})
    return found


def proposed_terms(amount: Decimal, terms: Iterable[dict]) -> list[Term]:
    """The terms of a change request (``contracts.services.clean_terms`` rows) on ``amount``."""
    return split(amount, terms)


def acceptance_percent(terms: Iterable[Term]) -> Decimal:
    return sum((t.percent for t in terms if t.trigger == Trigger.ACCEPTANCE), Decimal("0"))


def _labels(terms: list[Term]) -> str:
    return " + ".join(t.label for t in terms)


def _room_reason(room: Decimal) -> Missing:
    return Missing(
        "contract_amount",
        _("All of the contract's invoices stay within its amount: %(room)s is left to invoice")
        % {"room": money(max(room, NOTHING))},
    )


def _sum(queryset, field_name: str = "amount"):
    """A correlated subquery summing ``field_name`` of ``queryset`` (filtered on OuterRef)."""
    summed = queryset.order_by().values(dummy=Value(1)).annotate(total=Sum(field_name))
    return Coalesce(Subquery(summed.values("total"), output_field=MONEY), ZERO, output_field=MONEY)
