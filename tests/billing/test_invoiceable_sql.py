"""The work queue sorts every order by what is invoiceable, read from ``Order.invoiceable``
(``queue_orders``: the page and the API, ``top_orders``: the workbench). Stored by
``store_invoiceable`` after a bulk load, the column must pick and sort the orders exactly as the
one definition (``billing.invoiceable.for_order``) has them, and the batch reader
(``figures_of_orders``) must hand over the same figures, on any data: random acceptance shares
(split over several milestones, or none), units in every state, invoices in every state (more
than is due included: data from before a change, an import), contracts not active, several
users' scopes; on SQLite and PostgreSQL. (The services keep the column afterwards:
tests/reliability/test_payment_terms_machine.py.)"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from billing import invoiceable
from billing.models import Invoice, InvoiceState
from contracts.models import ACTIVE_STATES, Contract, ContractState, PaymentTerm, Trigger
from delivery.models import DeliveryUnit, Order, OrderState, UnitState
from opportunities.models import Opportunity

from ..contracts.steps import signed, signing_deal
from ..profiles import examples

D = Decimal
CENTS = st.integers(min_value=1, max_value=10**8).map(lambda cents: D(cents) / 100)
SMALL = st.integers(min_value=1, max_value=300).map(lambda cents: D(cents) / 100)
AMOUNTS = st.one_of(CENTS, SMALL)  # small ones make half cents of the share likely
SHARES = st.sampled_from(["0", "0.01", "10", "33.33", "50", "60", "66.67", "99.99", "100"])
UNITS = st.lists(st.tuples(AMOUNTS, st.sampled_from(UnitState.values)), min_size=1, max_size=3)
INVOICES = st.lists(st.tuples(AMOUNTS, st.sampled_from(InvoiceState.values)), max_size=3)
# The order's state as it is stored (a closed order is invoiced and paid: nothing invoiceable).
ORDERS = st.lists(st.tuples(UNITS, INVOICES, st.sampled_from(OrderState.values)), max_size=3)
CONTRACT = st.fixed_dictionaries(
    {
        "amount": st.one_of(CENTS, SMALL),
        "share": SHARES,
        "split": st.booleans(),  # the acceptance share over two milestones
        "state": st.sampled_from([ContractState.SIGNED, ContractState.EXECUTING, "closed"]),
        "orders": ORDERS,
        "milestone_invoices": INVOICES,
    }
)


@pytest.fixture
def contracts(org, frozen):
    """Two signed contracts, the second handed over to rep2: two scopes."""
    made = [
        signed(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
        for _ in range(2)
    ]
    Opportunity.objects.filter(pk=made[1].opportunity_id).update(owner=org.rep2)
    return made


def _terms(contract: Contract, share: str, split: bool) -> list[PaymentTerm]:
    share = D(share)
    parts = [share / 2, share - share / 2] if split and share >= D("0.02") else [share]
    parts = [p.quantize(D("0.01")) for p in parts]
    parts[-1] = share - sum(parts[:-1])
    rows = [
        PaymentTerm(
            contract=contract, position=i, label=f"Acceptance {i}", percent=p, trigger="acceptance"
        )
        for i, p in enumerate(parts, 1)
        if p > 0
    ]
    if share < 100:
        rows.append(
            PaymentTerm(
                contract=contract,
                position=len(rows) + 1,
                label="Advance",
                percent=100 - share,
                trigger=Trigger.SIGNING,
            )
        )
    return rows


def _write(org, contract: Contract, spec: dict, number: int) -> None:
    # Milestones are replaced only while the contract is a draft (ltc/core/deletion.py).
    Contract.objects.filter(pk=contract.pk).update(state="draft")
    contract.terms.all().delete()
    Contract.objects.filter(pk=contract.pk).update(amount=spec["amount"], state=spec["state"])
    PaymentTerm.objects.bulk_create(_terms(contract, spec["share"], spec["split"]))

    def invoices(rows, order=None):
        return [
            Invoice(
                customer_id=contract.customer_id,
                contract=contract,
                order=order,
                amount=amount,
                currency=contract.currency,
                tax_rate=D("13"),
                payment_days=30,
                started_on=date(2030, 5, 6),
                state=state,
                created_by=org.finance,
            )
            for amount, state in rows
        ]

    made = invoices(spec["milestone_invoices"])
    for index, (units, order_invoices, state) in enumerate(spec["orders"]):
        placed = Order.objects.create(
            contract=contract,
            number=f"PO-{number}-{index}",
            amount=sum(amount for amount, _state in units),
            order_date=date(2030, 5, 6 - index),  # ties and not: the page sorts by it
            state=state,
            created_by=org.rep1,
        )
        DeliveryUnit.objects.bulk_create(
            [
                DeliveryUnit(order=placed, name=f"U{i}", amount=amount, state=state)
                for i, (amount, state) in enumerate(units)
            ]
        )
        made += invoices(order_invoices, placed)
    Invoice.objects.bulk_create(made)


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.tuples(CONTRACT, CONTRACT))
@example(  # 0.01 accepted at 50%: half a cent, rounded up once for the order
    specs=(
        {
            "amount": D("1"),
            "share": "50",
            "split": False,
            "state": ContractState.SIGNED,
            "orders": [([(D("0.01"), "accepted"), (D("0.02"), "accepted")], [], "delivered")],
            "milestone_invoices": [],
        },
        {
            "amount": D("0.03"),
            "share": "33.33",
            "split": True,
            "state": ContractState.EXECUTING,
            "orders": [
                ([(D("0.03"), "accepted")], [(D("0.01"), "draft")], "invoiced"),
                ([(D("0.05"), "accepted")], [], "closed"),
            ],
            "milestone_invoices": [(D("0.01"), "paid")],
        },
    )
)
def test_the_stored_queue_follows_the_one_definition(org, contracts, specs):
    with transaction.atomic():
        for number, (contract, spec) in enumerate(zip(contracts, specs, strict=True)):
            _write(org, contract, spec, number)
        invoiceable.store_invoiceable(contract_ids=[c.pk for c in contracts])
        for user in (org.finance, org.rep1, org.rep2, org.rep3):
            listed = invoiceable.with_figures(invoiceable.queue_orders(user))
            rule = {
                order.pk: invoiceable.for_order(order)
                for order in Order.objects.visible_to(user).filter(
                    contract__state__in=ACTIVE_STATES
                )
            }
            assert len(listed) == len(rule)
            for order in listed:
                assert order.figures == rule[order.pk], order.number
                assert order.invoiceable == rule[order.pk].invoiceable, order.number
            newest = {o.pk: o.order_date for o in listed}
            ranked = sorted(rule, key=lambda pk: (-rule[pk].invoiceable, _days(newest[pk]), -pk))
            assert [o.pk for o in listed] == ranked
            for limit in (1, 2, 500):
                top = invoiceable.top_orders(user, limit)
                assert [o.pk for o in top] == [pk for pk in ranked if rule[pk].invoiceable > 0][
                    :limit
                ]
                assert all(o.figures == rule[o.pk] for o in top)
        transaction.set_rollback(True)


def _days(day: date) -> int:
    return -day.toordinal()  # the newest first
