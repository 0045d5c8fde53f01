"""Helpers of the billing tests: orders with accepted units (through the delivery services),
invoices issued and payments recorded through the billing services."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import invoiceable, services
from billing.models import Invoice
from delivery import services as delivery

from ..contracts.steps import (
    AMOUNT,
    NOW,
    ON_ACCEPTANCE,
    TODAY,
    fresh,
    missing_codes,
    signed,
    signing_deal,
)
from ..delivery.steps import order, units_of

__all__ = [
    "AMOUNT",
    "ON_ACCEPTANCE",
    "all_on_acceptance",
    "invoiceable_on_order",
    "invoiced_on_order",
    "NOW",
    "TODAY",
    "RETENTION_DUE",
    "SPEC_TERMS",
    "accepted_order",
    "collect_in_full",
    "spec_example",
    "fresh",
    "invoice",
    "issued",
    "missing_codes",
    "pay",
    "units_of",
]


# A test about invoicing mechanics, not about payment terms: its contract invoices 100% on
# acceptance (the ``terms`` fixture of tests/billing/conftest.py).
all_on_acceptance = pytest.mark.parametrize("terms", [ON_ACCEPTANCE], ids=["all-on-acceptance"])


# The SPEC's example: 30% at signing, 60% on acceptance, 10% retention a year out.
RETENTION_DUE = date(2031, 5, 6)
SPEC_TERMS = [
    {"label": "Advance", "percent": "30", "trigger": "signing"},
    {"label": "On acceptance", "percent": "60", "trigger": "acceptance"},
    {"label": "Retention", "percent": "10", "trigger": "date", "due_date": "2031-05-06"},
]


def spec_example(org):
    """A contract of 1,000,000 with ``SPEC_TERMS``, its advance (300,000) invoiced, and one order
    of 1,000,000 (units of 400,000 and 600,000) fully accepted: ``(contract, order, terms)`` with
    the terms by trigger."""
    deal = signing_deal(
        org.rep1, solution=org.solution, delivery=org.delivery, amount=Decimal("1000000")
    )
    contract = signed(deal, org, amount=Decimal("1000000"), payment_terms=SPEC_TERMS)
    terms = {term.trigger: term for term in contract.terms.all()}
    issued(org.finance, "300000", contract=contract, term=terms["signing"])
    placed = accepted_order(contract, org, amounts=("400000", "600000"))
    return contract, placed, terms


def invoiceable_on_order(order) -> Decimal:
    return invoiceable.for_order(order).invoiceable


def invoiced_on_order(order) -> Decimal:
    return invoiceable.for_order(order).invoiced


def accepted_order(contract, org, *, number="PO-1", amounts=("1000", "2000"), accept=None):
    """An order of units worth ``amounts``, the first ``accept`` of them (all by default) shipped
    and accepted by the FR."""
    placed = order(contract, org.delivery, number=number, amounts=amounts)
    units = units_of(placed)
    for unit in units[: len(units) if accept is None else accept]:
        delivery.ship_unit(unit=unit, by=org.delivery)
        delivery.accept_unit(unit=unit, by=org.delivery, certificate=f"AC-{unit.pk}")
    return fresh(placed)


def invoice(by, amount, **target) -> Invoice:
    return services.create_invoice(by=by, amount=Decimal(str(amount)), **target)


def issued(by, amount, **target) -> Invoice:
    return services.issue_invoice(invoice=invoice(by, amount, **target), by=by)


_references = iter(range(1, 10**6))


def pay(by, inv: Invoice, amount, *, total=None, reference=None):
    """A payment of ``total`` (``amount`` by default) allocating ``amount`` to ``inv``."""
    return services.record_payment(
        by=by,
        customer=inv.customer,
        amount=Decimal(str(total if total is not None else amount)),
        currency=inv.currency,
        reference=reference or f"BANK-{next(_references)}",
        allocations=[{"invoice": inv.pk, "amount": Decimal(str(amount))}],
    )


def collect_in_full(contract, org) -> list[Invoice]:
    """Every milestone of the executing ``contract`` invoiced and paid, so that only its own
    conditions stand between it and closing: one order for its whole amount, delivered and
    accepted; the signing milestones and the order's acceptance share invoiced now, each dated
    milestone on its date (the clock travels there and back)."""
    contract = fresh(contract)
    placed = accepted_order(contract, org, number="PO-ALL", amounts=(str(contract.amount),))
    invoices = []
    owed = invoiceable.for_order(placed).invoiceable
    if owed:
        invoices.append(issued(org.finance, owed, order=placed))
    for term in contract.terms.exclude(trigger="acceptance").order_by("position", "id"):
        if term.due_date is None:
            invoices.append(
                issued(org.finance, _left_of(contract, term), contract=contract, term=term)
            )
            continue
        on_its_date = timezone.make_aware(datetime.combine(term.due_date, time(9)))
        with time_machine.travel(on_its_date, tick=False):
            invoices.append(
                issued(org.finance, _left_of(contract, term), contract=contract, term=term)
            )
    for inv in invoices:
        pay(org.finance, inv, inv.amount)
    return invoices


def _left_of(contract, term) -> Decimal:
    return invoiceable.for_contract(contract, term=term).invoiceable
