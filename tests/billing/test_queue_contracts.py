"""The work queue's contracts: the database narrows the active contracts to those on which
something may be invoiceable against the contract now (``with_milestones_maybe_due``), and the one
definition (``figures_of_contract``) decides on those rows. The narrowing must never drop a
contract the definition calls invoiceable, whatever the amount, the terms (their percents split
to the cent, signing, dated or on acceptance, due or not), the signing and the invoices (against
the contract, a milestone or an order; live or voided). The queue also finds such a contract
however many contracts with nothing due come before it by number (it read only the first 500)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import invoiceable
from billing.models import Invoice, InvoiceState
from contracts.models import Contract, PaymentTerm, Trigger

from ..profiles import examples
from .steps import accepted_order, all_on_acceptance

pytestmark = all_on_acceptance
TODAY = date(2030, 6, 15)


@pytest.fixture
def order(org, contract):
    """An order on the contract, for invoices against an order."""
    return accepted_order(contract, org)


cents = st.integers(min_value=1, max_value=10**11).map(lambda n: Decimal(n) / 100)
term_specs = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10_000),  # a weight; percents are split from them
        st.sampled_from([Trigger.SIGNING, Trigger.DATE, Trigger.ACCEPTANCE]),
        st.integers(min_value=-3, max_value=3),  # a dated term's due date, from today
    ),
    min_size=1,
    max_size=5,
)
invoice_specs = st.lists(
    st.tuples(
        st.sampled_from(["contract", "term", "order"]),
        st.floats(min_value=0.0001, max_value=0.8),  # of the contract amount
        st.sampled_from(
            [InvoiceState.DRAFT, InvoiceState.ISSUED, InvoiceState.PAID, InvoiceState.VOID]
        ),
    ),
    max_size=4,
)


def percents(weights: list[int]) -> list[Decimal]:
    """Percents with two decimals, each at least a cent of a percent (the terms' check), adding up
    to exactly 100, in proportion to ``weights``: the largest takes what rounding left over."""
    cent = Decimal("0.01")
    total = sum(weights)
    shares = [max(cent, (Decimal(100) * w / total).quantize(cent)) for w in weights]
    largest = shares.index(max(shares))
    shares[largest] += Decimal(100) - sum(shares)
    return shares


def rewrite(contract, order, amount, signed, terms, invoices, by) -> None:
    """The contract with ``amount``, signed or not, these terms and these invoices."""
    Contract.objects.filter(pk=contract.pk).update(
        amount=amount, signed_on=TODAY - timedelta(days=9) if signed else None
    )
    PaymentTerm.objects.filter(contract=contract).delete()
    made = PaymentTerm.objects.bulk_create(
        PaymentTerm(
            contract=contract,
            position=position,
            label=f"M{position}",
            percent=share,
            trigger=trigger,
            due_date=TODAY + timedelta(days=days) if trigger == Trigger.DATE else None,
        )
        for position, (share, (_w, trigger, days)) in enumerate(
            zip(percents([t[0] for t in terms]), terms, strict=True), start=1
        )
    )
    Invoice.objects.bulk_create(
        Invoice(
            customer_id=contract.customer_id,
            contract=contract,
            order=order if target == "order" else None,
            term=made[0] if target == "term" else None,
            amount=max(Decimal("0.01"), (amount * Decimal(str(share))).quantize(Decimal("0.01"))),
            currency=contract.currency,
            tax_rate=Decimal("6"),
            payment_days=30,
            state=state,
            started_on=TODAY,
            created_by=by,
        )
        for target, share, state in invoices
    )


@settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amount=cents,
    signed=st.booleans(),
    milestones=term_specs,
    invoices=invoice_specs,
)
def test_the_narrowing_keeps_every_contract_the_definition_calls_invoiceable(
    org, contract, order, amount, signed, milestones, invoices
):
    with transaction.atomic():
        rewrite(contract, order, amount, signed, milestones, invoices, org.finance)
        everyone = invoiceable.queue_contracts(org.finance).filter(pk=contract.pk)
        (row,) = everyone
        figures = invoiceable.figures_of_contract(row, TODAY)
        narrowed = invoiceable.with_milestones_maybe_due(everyone, TODAY)
        if figures.invoiceable > 0:
            assert narrowed.exists(), (amount, signed, milestones, invoices, figures)
        # What it keeps is close: something is left on the contract and its due milestones,
        # cents aside, are worth more than what is invoiced against the contract itself.
        if narrowed.exists():
            assert figures.room > 0
            assert (
                figures.triggered + Decimal("0.02") * len(milestones) > figures.milestones_invoiced
            )
        transaction.set_rollback(True)


def test_the_queue_finds_an_invoiceable_contract_behind_many_with_nothing_due(
    org, contract, api, monkeypatch
):
    """Contracts with nothing due come first by number; the one whose milestones are all due on
    signing is still found, by the pick walking its slices and by the API."""
    from billing.invoiceable import queue

    from ..factories import opportunity

    Contract.objects.filter(pk=contract.pk).update(number="ZZZ-LAST")
    PaymentTerm.objects.filter(contract=contract).update(trigger=Trigger.SIGNING)
    others = []
    for index in range(12):
        other = Contract.objects.get(pk=contract.pk)
        other.pk = None
        other.number = f"A-{index:03d}"
        other.opportunity = opportunity(org.rep1, customer=contract.customer)
        others.append(other)
    Contract.objects.bulk_create(others)  # no terms: nothing due against them
    # The pick reads candidates a slice at a time; a narrowing that kept everything would make
    # it walk the slices past the 30 with nothing due.
    monkeypatch.setattr(
        queue, "with_milestones_maybe_due", lambda contracts, today: contracts.filter(pk__gt=0)
    )
    found = queue.contracts_invoiceable_now(org.finance, 1)
    assert [c.pk for c in found] == [contract.pk]
    monkeypatch.undo()
    body = api("finance").get("/api/v1/billing/invoiceable/?page_size=1").json()
    assert [c["id"] for c in body["contracts"]] == [contract.pk]
