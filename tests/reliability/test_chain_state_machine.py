"""Random sequences of the chain's operations never break its invariants (hypothesis stateful
testing): orders placed with any amount, units shipped, accepted and corrected, invoices drafted
on orders and on the contract's milestones with any amount, issued and voided, payments allocated
with any amount. After every step, whatever was refused:

    invoiced ≤ accepted × 60% ≤ accepted ≤ ordered ≤ contract   (per order; the contract's
    terms put 60% on acceptance), all invoices ≤ contract,
    paid ≤ invoiced per invoice, allocated ≤ received per payment,
    an order is delivered (or further) exactly when all its units are accepted,
    revenue recognised = the accepted value.

Plus money arithmetic: quantize and the milestone split."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from billing import invoiceable
from billing import services as billing
from billing.models import Allocation, Invoice, Payment
from contracts.models import Contract
from delivery import services as delivery
from delivery.models import DeliveryUnit, Order, OrderState, RevenueEntry, UnitState
from ltc.core.errors import DomainError
from ltc.core.money import CENT, quantize

from ..conftest import Org
from ..contracts.steps import NOW, signed, signing_deal
from ..profiles import examples

ZERO = Decimal("0")
PLAIN = st.sampled_from([Decimal(v) for v in ("500", "1000", "3000", "20000", "100000")])
ABSURD = st.one_of(
    st.decimals(min_value=Decimal("-1000"), max_value=Decimal("400000"), places=2),
    st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("1e20"), Decimal("-0.01")]),
)
# Mostly amounts that can go through (so sequences get far), often ones that must be refused.
AMOUNTS = st.one_of(PLAIN, PLAIN, ABSURD)
SHARES = st.sampled_from([None, Decimal("0.5"), Decimal("1"), Decimal("1"), Decimal("1.5")])


def _sum(qs, field="amount") -> Decimal:
    return qs.aggregate(total=Sum(field))["total"] or ZERO


class Chain(RuleBasedStateMachine):
    """One signed contract of 300,000 (30% on signing, 60% on acceptance, 10% dated)."""

    done: Counter = Counter()  # operations that went through, over every example
    refusals: Counter = Counter()  # why the others were refused, for the message below

    def __init__(self):
        super().__init__()
        self.clock = time_machine.travel(NOW, tick=False)
        self.clock.start()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.org = Org()
        deal = signing_deal(self.org.rep1, solution=self.org.solution, delivery=self.org.delivery)
        self.contract = signed(deal, self.org)
        self.steps = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.clock.stop()

    def _try(self, name, operation):
        self.steps += 1
        try:
            with transaction.atomic():
                result = operation()
        except DomainError as exc:
            self.done["refused"] += 1
            self.refusals[f"{name}: {exc}"] += 1
            return None
        self.done[name] += 1
        return result

    def _pick(self, queryset, index):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    # --- Rules ---------------------------------------------------------------------------------
    @initialize()
    def an_order_half_accepted_invoiced_and_partly_paid(self):
        """Every sequence starts from a chain with each kind of record, so that the random
        steps work on orders, accepted units, issued invoices and payments from the start."""
        order = delivery.create_order(
            contract=self.contract,
            by=self.org.rep1,
            number="PO-START",
            amount=Decimal("3000"),
            units=[{"name": "A", "amount": "1000"}, {"name": "B", "amount": "2000"}],
        )
        first = order.units.order_by("pk").first()
        delivery.ship_unit(unit=first, by=self.org.delivery)
        delivery.accept_unit(unit=first, by=self.org.delivery, certificate="AC-START")
        invoice = billing.create_invoice(by=self.org.finance, amount=Decimal("600"), order=order)
        invoice = billing.issue_invoice(invoice=invoice, by=self.org.finance)
        billing.record_payment(
            by=self.org.finance,
            customer=invoice.customer,
            amount=Decimal("600"),
            currency=invoice.currency,
            reference="BANK-START",
            allocations=[{"invoice": invoice.pk, "amount": Decimal("400")}],
        )

    @rule(amount=AMOUNTS, split=st.integers(min_value=1, max_value=3))
    def place_order(self, amount, split):
        part = quantize(amount / split) if amount.is_finite() else amount
        units = [{"name": f"Unit {i}", "amount": str(part)} for i in range(split - 1)]
        rest = amount - part * (split - 1)
        units.append({"name": "Last", "amount": str(rest)})
        number = f"PO-{Order.objects.count() + 1}-{self.steps}"
        self._try(
            "place_order",
            lambda: delivery.create_order(
                contract=self.contract, by=self.org.rep1, number=number, amount=amount, units=units
            ),
        )

    @rule(index=st.integers(min_value=0, max_value=20))
    def ship(self, index):
        # Mostly units that are planned, so that shipping (and then acceptance) is reached.
        units = DeliveryUnit.objects.filter(order__contract=self.contract)
        unit = self._pick(units.filter(state=UnitState.PLANNED), index) or self._pick(units, index)
        if unit:
            self._try("ship", lambda: delivery.ship_unit(unit=unit, by=self.org.delivery))

    @rule(index=st.integers(min_value=0, max_value=20))
    def accept(self, index):
        # Mostly units that are shipped, so that acceptance (and then invoicing) is reached.
        units = DeliveryUnit.objects.filter(order__contract=self.contract)
        unit = self._pick(units.filter(state=UnitState.SHIPPED), index) or self._pick(units, index)
        if unit:
            self._try(
                "accept",
                lambda: delivery.accept_unit(unit=unit, by=self.org.delivery, certificate="AC"),
            )

    @rule(index=st.integers(min_value=0, max_value=20))
    def correct(self, index):
        unit = self._pick(DeliveryUnit.objects.filter(order__contract=self.contract), index)
        if unit:
            self._try(
                "correct",
                lambda: delivery.correct_acceptance(
                    unit=unit, by=self.org.manager, reason="Wrong site"
                ),
            )

    @rule(index=st.integers(min_value=0, max_value=20), amount=AMOUNTS, share=SHARES)
    def invoice_order(self, index, amount, share):
        orders = Order.objects.filter(contract=self.contract)
        if share is not None:  # then an order with something accepted, if there is one
            accepted = orders.filter(units__state=UnitState.ACCEPTED).distinct()
            order = self._pick(accepted, index) or self._pick(orders, index)
        else:
            order = self._pick(orders, index)
        if order:
            if share is not None:  # a share of what is invoiceable now (above it when > 1)
                amount = quantize(invoiceable.for_order(order).invoiceable * share)
            self._try(
                "invoice_order",
                lambda: billing.create_invoice(by=self.org.finance, amount=amount, order=order),
            )

    @rule(index=st.integers(min_value=0, max_value=5), amount=AMOUNTS)
    def invoice_milestone(self, index, amount):
        term = self._pick(self.contract.terms.all(), index)
        self._try(
            "invoice_milestone",
            lambda: billing.create_invoice(
                by=self.org.finance, amount=amount, contract=self.contract, term=term
            ),
        )

    @rule(index=st.integers(min_value=0, max_value=20))
    def issue(self, index):
        invoice = self._pick(Invoice.objects.filter(contract=self.contract), index)
        if invoice:
            self._try("issue", lambda: billing.issue_invoice(invoice=invoice, by=self.org.finance))

    @rule(index=st.integers(min_value=0, max_value=20))
    def void(self, index):
        invoice = self._pick(Invoice.objects.filter(contract=self.contract), index)
        if invoice:
            self._try(
                "void",
                lambda: billing.void_invoice(invoice=invoice, by=self.org.finance, reason="Typo"),
            )

    @rule(index=st.integers(min_value=0, max_value=20), amount=AMOUNTS, extra=AMOUNTS, share=SHARES)
    def pay(self, index, amount, extra, share):
        invoice = self._pick(Invoice.objects.filter(contract=self.contract), index)
        if invoice:
            if share is not None:  # a share of what the invoice still owes (above it when > 1)
                amount = quantize((invoice.amount - invoice.paid_amount) * share)
            total = amount + max(extra, ZERO) if extra.is_finite() else extra
            self._try(
                "pay",
                lambda: billing.record_payment(
                    by=self.org.finance,
                    customer=invoice.customer,
                    amount=total,
                    currency=invoice.currency,
                    reference=f"BANK-{self.steps}",
                    allocations=[{"invoice": invoice.pk, "amount": amount}],
                ),
            )

    # --- Invariants ----------------------------------------------------------------------------
    @invariant()
    def invoiced_within_accepted_within_ordered_within_contract(self):
        contract = Contract.objects.get(pk=self.contract.pk)
        orders = Order.objects.filter(contract=contract)
        live = Invoice.objects.filter(contract=contract).exclude(state__in=["cancelled", "void"])
        assert _sum(orders) <= contract.amount
        assert _sum(live) <= contract.amount
        for order in orders:
            units = DeliveryUnit.objects.filter(order=order)
            accepted = _sum(units.filter(state=UnitState.ACCEPTED))
            due = invoiceable.share_of(accepted, Decimal("60"))  # 60% on acceptance
            assert _sum(live.filter(order=order)) <= due <= accepted <= order.amount
            assert _sum(units) == order.amount
            all_accepted = not units.exclude(state=UnitState.ACCEPTED).exists()
            done = (OrderState.DELIVERED, OrderState.INVOICED, OrderState.CLOSED)
            assert (order.state in done) == (all_accepted and units.exists()), order.state
            assert _sum(RevenueEntry.objects.filter(order=order)) == accepted

    @invariant()
    def paid_within_invoiced_and_allocated_within_received(self):
        for invoice in Invoice.objects.filter(contract=self.contract):
            allocated = _sum(Allocation.objects.filter(invoice=invoice, released_at__isnull=True))
            assert ZERO <= invoice.paid_amount == allocated <= invoice.amount
        for payment in Payment.objects.all():
            live = Allocation.objects.filter(payment=payment, released_at__isnull=True)
            assert ZERO <= payment.allocated_amount == _sum(live) <= payment.amount


# Transactional: every run starts from the shipped configuration alone, whatever tests ran
# before it in the same process (a full suite run refused far more steps than a run alone).
@pytest.mark.django_db(transaction=True)
def test_random_sequences_of_chain_operations_keep_every_invariant():
    run_state_machine_as_test(
        Chain,
        settings=settings(
            max_examples=examples(20, fast=10),
            stateful_step_count=30,
            deadline=None,
            derandomize=True,  # the same sequences every run: a failure is never a fluke
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The random steps did things, not only get refused.
    done = Chain.done
    why = (done, Chain.refusals.most_common(8))
    assert sum(n for name, n in done.items() if name != "refused") > 30, why
    assert len([name for name in done if name != "refused"]) >= 6, why


# --- Money arithmetic ---------------------------------------------------------------------------
MONEY = st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=6)


@given(MONEY)
def test_quantize_rounds_to_the_cent_half_up_and_is_idempotent(value):
    cents = quantize(value)
    assert cents == quantize(cents)
    assert cents.as_tuple().exponent == -2
    assert abs(cents - value) <= CENT / 2
    if abs(value - cents) == CENT / 2:  # a tie goes away from zero
        assert abs(cents) > abs(value)


@given(MONEY, MONEY)
def test_quantize_is_monotonic(a, b):
    if a <= b:
        assert quantize(a) <= quantize(b)
