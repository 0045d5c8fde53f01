"""Random payment terms and random sequences never invoice more than the terms make due
(hypothesis stateful testing). Each run signs a contract whose terms split 100% at random over
milestones on signing, on acceptance and on a date (before or after today), then: orders placed,
units shipped, accepted and corrected, orders invoiced up to what is invoiceable (and a cent
above), milestones invoiced when due (and before), invoices issued, voided and cancelled, time
passing, change requests of the amount and the terms applied, invoices paid, everything settled
and the contract closed. After every step, whatever was refused, computed here from the rows (not
through billing.invoiceable):

    invoiced on each order ≤ its accepted value × the acceptance share of the current terms
    invoiced against the contract ≤ its milestones triggered now (signed; date reached)
    everything invoiced ≤ the contract's amount
    a closed contract: everything invoiced = its amount, and every invoice paid or voided

and the work queue (``top_orders``) and what is kept on each order (``Order.invoiceable``, the
column the queue reads) agree with the one definition."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing import invoiceable
from billing import services as billing
from billing.models import LIVE_STATES, OPEN_STATES, Invoice, InvoiceState
from contracts import services as contracts
from contracts.models import Contract, ContractState, Trigger
from delivery import services as delivery
from delivery.models import DeliveryUnit, Order, UnitState
from ltc.core.errors import DomainError
from ltc.core.money import quantize

from ..conftest import Org
from ..contracts.steps import NOW, TODAY, signed, signing_deal
from ..profiles import examples

ZERO = Decimal("0")
FRACTIONS = st.sampled_from([Decimal(v) for v in ("0.1", "0.25", "0.5", "1")])
# Mostly what is invoiceable now, sometimes half of it, a cent above it or 20% above.
SHARES = st.sampled_from(["all", "all", "all", "half", "cent_above", "above"])
DELTAS = st.sampled_from([Decimal(v) for v in ("0", "0", "-0.5", "-0.1", "0.2")])


@st.composite
def term_sets(draw) -> list[dict]:
    """100% split at random (in hundredths) over one to four milestones."""
    count = draw(st.integers(min_value=1, max_value=4))
    cuts = sorted(draw(st.sets(st.integers(1, 9999), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10000]
    terms = []
    for index in range(count):
        trigger = draw(
            st.sampled_from(
                [Trigger.SIGNING, Trigger.ACCEPTANCE, Trigger.ACCEPTANCE] + [Trigger.DATE]
            )
        )
        term = {
            "label": f"M{index + 1}",
            "percent": str(Decimal(bounds[index + 1] - bounds[index]) / 100),
            "trigger": trigger,
        }
        if trigger == Trigger.DATE:
            days = draw(st.integers(min_value=-30, max_value=400))
            term["due_date"] = (TODAY + timedelta(days=days)).isoformat()
        terms.append(term)
    return terms


def _sum(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or ZERO


class PaymentTerms(RuleBasedStateMachine):
    done: Counter = Counter()  # operations that went through, over every example

    def __init__(self):
        super().__init__()
        self.clock = time_machine.travel(NOW, tick=False)
        self.traveller = self.clock.start()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.org = Org()
        self.contract = None
        self.steps = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.clock.stop()

    def _try(self, name, operation) -> None:
        self.steps += 1
        try:
            with transaction.atomic():
                operation()
        except DomainError:
            self.done["refused"] += 1
        else:
            self.done[name] += 1

    def _pick(self, queryset, index):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    def _fresh(self) -> Contract:
        return Contract.objects.get(pk=self.contract.pk)

    @staticmethod
    def _amount(cap: Decimal, share: str) -> Decimal:
        if cap <= 0:
            return Decimal("0.01")  # nothing is invoiceable: a cent must be refused
        return {
            "all": cap,
            "half": quantize(cap / 2),
            "cent_above": cap + Decimal("0.01"),
            "above": quantize(cap * Decimal("1.2")) + Decimal("0.01"),
        }[share]

    # --- Rules ---------------------------------------------------------------------------------
    @initialize(terms=term_sets(), amount=st.sampled_from(["1000000", "300000.01", "999.99"]))
    def sign(self, terms, amount):
        """Signed with the random terms; an order of 40% of it, its first unit accepted and
        invoiced, so the steps work on accepted and invoiced units from the start."""
        deal = signing_deal(self.org.rep1, solution=self.org.solution, delivery=self.org.delivery)
        self.contract = signed(deal, self.org, amount=Decimal(amount), payment_terms=terms)
        first = quantize(self.contract.amount / 10)
        order = delivery.create_order(
            contract=self.contract,
            by=self.org.rep1,
            number="PO-START",
            amount=first * 4,
            units=[{"name": "A", "amount": str(first)}, {"name": "B", "amount": str(first * 3)}],
        )
        unit = order.units.order_by("pk").first()
        delivery.ship_unit(unit=unit, by=self.org.delivery)
        delivery.accept_unit(unit=unit, by=self.org.delivery, certificate="AC-START")
        owed = invoiceable.for_order(order).invoiceable
        if owed > 0:  # its acceptance share invoiced: a correction of the unit must be refused
            billing.create_invoice(by=self.org.finance, amount=owed, order=order)
        # executing and evaluated: closing waits only on delivery and money
        self.contract = contracts.accept_contract(contract=self.contract, by=self.org.delivery)
        contracts.record_evaluation(
            contract=self.contract,
            by=self.org.delivery,
            profitability="as_planned",
            schedule_kept=True,
            acceptance_smooth=True,
            lessons="Random.",
            score=3,
        )

    @rule(fraction=FRACTIONS, split=st.integers(min_value=1, max_value=3))
    def place_order(self, fraction, split):
        amount = quantize(self._fresh().amount * fraction / 4)
        part = quantize(amount / split)
        units = [{"name": f"Unit {i}", "amount": str(part)} for i in range(split - 1)]
        units.append({"name": "Last", "amount": str(amount - part * (split - 1))})
        self._try(
            "place_order",
            lambda: delivery.create_order(
                contract=self.contract,
                by=self.org.rep1,
                number=f"PO-{self.steps}",
                amount=amount,
                units=units,
            ),
        )

    def _units(self, **filters):
        return DeliveryUnit.objects.filter(order__contract=self.contract, **filters)

    def _has_units_to_accept(self) -> bool:
        return self._units().exclude(state=UnitState.ACCEPTED).exists()

    def _has_accepted_units(self) -> bool:
        return self._units(state=UnitState.ACCEPTED).exists()

    def _has_invoices(self) -> bool:
        return Invoice.objects.filter(contract=self.contract).exists()

    @precondition(_has_units_to_accept)
    @rule(index=st.integers(min_value=0, max_value=20), then=st.one_of(st.none(), SHARES))
    def accept(self, index, then):
        """Ship and accept a unit, and then (often) invoice its order."""
        unit = self._pick(self._units().exclude(state=UnitState.ACCEPTED), index)

        self._try("accept", lambda: self._ship_and_accept(unit))
        if then is not None:
            self._invoice(Order.objects.get(pk=unit.order_id), then)

    def _invoice(self, order: Order, share: str) -> None:
        amount = self._amount(invoiceable.for_order(order).invoiceable, share)
        self._try(
            "invoice_order",
            lambda: billing.create_invoice(by=self.org.finance, amount=amount, order=order),
        )

    @precondition(_has_accepted_units)
    @rule(index=st.integers(min_value=0, max_value=20))
    def correct(self, index):
        units = DeliveryUnit.objects.filter(order__contract=self.contract)
        unit = self._pick(units.filter(state=UnitState.ACCEPTED), index)
        if unit is not None:
            self._try(
                "correct",
                lambda: delivery.correct_acceptance(unit=unit, by=self.org.manager, reason="Redo"),
            )

    @precondition(_has_accepted_units)
    @rule(index=st.integers(min_value=0, max_value=20), share=SHARES)
    def invoice_order(self, index, share):
        orders = Order.objects.filter(contract=self.contract)
        order = self._pick(orders.filter(units__state=UnitState.ACCEPTED).distinct(), index)
        self._invoice(order, share)

    @rule(
        index=st.integers(min_value=0, max_value=5),
        name_it=st.booleans(),
        share=SHARES,
        days_later=st.sampled_from([0, 0, 0, 31, 120, 400]),
    )
    def invoice_milestone(self, index, name_it, share, days_later):
        """Milestones invoiced now, or after time has passed (dated ones fall due)."""
        self.traveller.shift(timedelta(days=days_later))
        contract = self._fresh()
        term = self._pick(contract.terms.all(), index) if name_it else None
        amount = self._amount(invoiceable.for_contract(contract, term=term).invoiceable, share)
        self._try(
            "invoice_milestone",
            lambda: billing.create_invoice(
                by=self.org.finance, amount=amount, contract=contract, term=term
            ),
        )

    @precondition(_has_invoices)
    @rule(index=st.integers(min_value=0, max_value=20), action=st.sampled_from(["issue", "void"]))
    def issue_or_void(self, index, action):
        invoice = self._pick(Invoice.objects.filter(contract=self.contract), index)
        if invoice is None:
            return
        if action == "issue":
            self._try("issue", lambda: billing.issue_invoice(invoice=invoice, by=self.org.finance))
        else:
            operation = (
                billing.cancel_draft
                if invoice.state == "draft"
                else lambda **kw: billing.void_invoice(reason="Typo", **kw)
            )
            self._try("void", lambda: operation(invoice=invoice, by=self.org.finance))

    @rule(terms=st.one_of(st.none(), term_sets()), delta=DELTAS)
    def change(self, terms, delta):
        contract = self._fresh()
        if terms is None and delta == 0:
            delta = Decimal("0.2")
        amount_delta = quantize(contract.amount * delta)

        def apply():
            org = self.org
            change = contracts.request_change(
                contract=contract,
                by=org.rep1,
                description="Change",
                amount_delta=amount_delta,
                new_terms=terms,
            )
            contracts.assess_change(change=change, by=org.delivery, fr_assessment="Fine")
            contracts.assess_change(change=change, by=org.solution, sr_assessment="Fine")
            change = contracts.decide_change(change=change, by=org.manager, approve=True)
            contracts.apply_change(change=change, by=org.rep1)

        self._try("change", apply)

    def _pay(self, invoice: Invoice) -> None:
        owed = invoice.amount - invoice.paid_amount
        self._try(
            "pay",
            lambda: billing.record_payment(
                by=self.org.finance,
                customer=invoice.customer,
                amount=owed,
                currency=invoice.currency,
                reference=f"BANK-{self.steps}",
                allocations=[{"invoice": invoice.pk, "amount": owed}],
            ),
        )

    @precondition(_has_invoices)
    @rule(index=st.integers(min_value=0, max_value=20))
    def pay(self, index):
        invoice = self._pick(
            Invoice.objects.filter(contract=self.contract, state__in=OPEN_STATES), index
        )
        if invoice is not None:
            self._pay(invoice)

    @rule(milestones=st.booleans())
    def settle_and_close(self, milestones):
        """What a finance team does at the end: the rest of the contract ordered and accepted,
        everything invoiceable on the orders and (or not) against the contract invoiced, after
        the last dated milestone, issued and paid; then closing, which must be refused while
        anything is left."""
        contract = self._fresh()
        if contract.state != ContractState.EXECUTING:
            return
        covered = _sum(Order.objects.filter(contract=contract))
        if covered < contract.amount:
            self._try(
                "place_order",
                lambda: delivery.create_order(
                    contract=contract,
                    by=self.org.rep1,
                    number=f"PO-REST-{self.steps}",
                    amount=contract.amount - covered,
                    units=[{"name": "Rest", "amount": str(contract.amount - covered)}],
                ),
            )
        for unit in self._units().exclude(state=UnitState.ACCEPTED):
            self._try("accept", lambda unit=unit: self._ship_and_accept(unit))
        dates = [t.due_date for t in contract.terms.all() if t.due_date]
        if dates and max(dates) > timezone.localdate():
            self.traveller.move_to(max(dates) + timedelta(days=1))
        for order in Order.objects.filter(contract=contract):
            self._invoice(order, "all")
        if milestones:
            self._try(
                "invoice_milestone",
                lambda: billing.create_invoice(
                    by=self.org.finance,
                    amount=invoiceable.for_contract(self._fresh()).invoiceable,
                    contract=self._fresh(),
                ),
            )
        for draft in Invoice.objects.filter(contract=contract, state=InvoiceState.DRAFT):
            self._try(
                "issue",
                lambda draft=draft: billing.issue_invoice(invoice=draft, by=self.org.finance),
            )
        for invoice in Invoice.objects.filter(contract=contract, state__in=OPEN_STATES):
            self._pay(invoice)
        self._try("close", lambda: contracts.close_contract(contract=contract, by=self.org.rep1))

    def _ship_and_accept(self, unit: DeliveryUnit) -> None:
        if unit.state == UnitState.PLANNED:
            delivery.ship_unit(unit=unit, by=self.org.delivery)
        delivery.accept_unit(unit=unit, by=self.org.delivery, certificate="AC")

    # --- Invariants ----------------------------------------------------------------------------
    @invariant()
    def a_closed_contract_is_invoiced_in_full_and_paid(self):
        if self.contract is None:
            return
        contract = self._fresh()
        if contract.state != ContractState.CLOSED:
            return
        invoices = Invoice.objects.filter(contract=contract)
        assert _sum(invoices.filter(state__in=LIVE_STATES)) == contract.amount
        assert not invoices.filter(state__in=[InvoiceState.DRAFT, *OPEN_STATES]).exists()

    @invariant()
    def nothing_is_invoiced_beyond_what_the_terms_make_due(self):
        if self.contract is None:
            return
        contract = self._fresh()
        terms = list(contract.terms.all())
        today = timezone.localdate()
        live = Invoice.objects.filter(contract=contract, state__in=LIVE_STATES)
        share = sum((t.percent for t in terms if t.trigger == Trigger.ACCEPTANCE), ZERO)
        queue = {order.pk: order.figures for order in invoiceable.top_orders(self.org.finance, 500)}
        for order in Order.objects.filter(contract=contract):
            accepted = _sum(order.units.filter(state=UnitState.ACCEPTED))
            due = quantize(accepted * share / 100)
            assert _sum(live.filter(order=order)) <= due, (order.number, accepted, share)
            figures = invoiceable.for_order(order)  # the queue picks the same orders
            assert queue.get(order.pk, figures) == figures and (order.pk in queue) == (
                figures.invoiceable > 0
            )
        triggered = sum(
            (
                t.amount_of(contract.amount)
                for t in terms
                if (t.trigger == Trigger.SIGNING and contract.signed_on)
                or (t.trigger == Trigger.DATE and t.due_date <= today)
            ),
            ZERO,
        )
        assert _sum(live.filter(order__isnull=True)) <= triggered
        assert _sum(live) <= contract.amount

    @invariant()
    def what_is_kept_on_each_order_is_the_definition(self):
        """``Order.invoiceable`` (what the work queue reads) equals the one definition after any
        sequence of acceptances, corrections, invoices, voids, payments and changes."""
        for order in Order.objects.filter(contract__isnull=False).order_by("pk"):
            assert order.invoiceable == invoiceable.for_order(order).invoiceable, order.number


@pytest.mark.django_db(transaction=True)
def test_random_payment_terms_never_invoice_more_than_they_make_due():
    run_state_machine_as_test(
        PaymentTerms,
        settings=settings(
            # As many in the fast profile: with fewer, no contract is paid and closed (below).
            max_examples=examples(6, fast=6),
            stateful_step_count=25,
            deadline=None,
            derandomize=True,  # the same sequences every run: a failure is never a fluke
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    done = PaymentTerms.done
    # The random steps did things, not only get refused: units accepted, orders and milestones
    # invoiced, terms changed.
    assert done["accept"] and done["change"], done
    assert done["invoice_order"] + done["invoice_milestone"] >= 3, done
    assert done["pay"] and done["close"], done  # contracts were settled and closed
