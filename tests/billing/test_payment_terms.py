"""Invoices follow the contract's payment terms (SPEC 5): an order up to its accepted value × the
share of the terms triggered on acceptance, minus what is invoiced on it; the advance (on signing)
and the dated milestones (retention, warranty) against the contract when due; all of a
contract's invoices within its amount. Acceptance corrections and contract changes never leave
more invoiced than the terms make due."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from billing import invoiceable, services
from billing.invoiceable import Term, order_figures, proposed_terms, share_of
from billing.models import Invoice
from contracts import services as contracts
from contracts.models import Trigger
from delivery import services as delivery
from delivery.models import OrderState
from ltc.core.errors import TransitionRefused

from ..contracts.steps import signed, signing_deal
from .steps import (
    ON_ACCEPTANCE,
    RETENTION_DUE,
    TODAY,
    accepted_order,
    fresh,
    invoice,
    invoiceable_on_order,
    issued,
    missing_codes,
    pay,
    spec_example,
    units_of,
)

D = Decimal


def labels(error) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in error.missing:
        found.setdefault(item.code, []).append(str(item.label))
    return found


def on_the_retention_date(frozen) -> None:
    frozen.move_to(timezone.make_aware(datetime.combine(RETENTION_DUE, datetime.min.time())))


# The SPEC's example: 30% at signing, 60% on acceptance, 10% retention a year out ---------------
def test_a_fully_accepted_order_is_invoiced_at_its_acceptance_share_and_the_retention_on_its_date(
    org, frozen
):
    contract, placed, terms = spec_example(org)

    with translation.override("en"), pytest.raises(services.AboveInvoiceable) as refused:
        invoice(org.finance, "700000", order=placed)
    assert refused.value.invoiceable == D("600000.00")
    assert labels(refused.value) == {
        "accepted_value": [
            "On acceptance: 60% on acceptance of 1,000,000.00 accepted: 600,000.00; 0.00 invoiced"
        ],
        "advance": ["Advance 30% (300,000.00 of this order) is invoiced against the contract"],
        "milestone_date": [
            "Retention 10% (100,000.00 of this order) is invoiced against the contract, "
            "due 2031-05-06"
        ],
    }
    on_order = issued(org.finance, "600000", order=placed)
    assert invoiceable_on_order(placed) == 0

    with translation.override("en"), pytest.raises(services.AboveInvoiceable) as early:
        invoice(org.finance, "100000", contract=contract, term=terms[Trigger.DATE])
    assert early.value.invoiceable == 0
    assert labels(early.value)["milestone_date"] == [
        "Retention 100,000.00 due 2031-05-06, against the contract"
    ]

    on_the_retention_date(frozen)
    retention = invoice(org.finance, "100000", contract=contract, term=terms[Trigger.DATE])
    assert (on_order.amount, retention.amount) == (D("600000"), D("100000"))
    # 300,000 + 600,000 + 100,000: the contract is invoiced in full, nothing more
    assert invoiceable.for_contract(contract).invoiceable == 0
    with pytest.raises(services.AboveInvoiceable):
        invoice(org.finance, "0.01", contract=contract)


def test_the_advance_is_recovered_in_proportion_to_what_is_accepted(org, contract):
    issued(org.finance, "90000", contract=contract)  # the advance: 30% of 300,000
    half = accepted_order(contract, org, amounts=("10000", "20000"), accept=1)

    figures = invoiceable.for_order(half)

    # 60% of the 10,000 accepted; the advance holds its 30%, the warranty its 10%
    assert (figures.accepted, figures.acceptance_percent, figures.due) == (
        D("10000.00"),
        D("60.00"),
        D("6000.00"),
    )
    assert (figures.invoiceable, figures.not_accepted) == (D("6000.00"), D("20000.00"))


def test_a_contract_is_invoiced_up_to_its_milestones_due_now(org, contract, frozen):
    with pytest.raises(services.AboveInvoiceable) as refused:
        invoice(org.finance, "90000.01", contract=contract)
    assert missing_codes(refused.value) == {
        "milestones",
        "milestone_on_acceptance",
        "milestone_date",
    }
    assert refused.value.invoiceable == D("90000.00")

    invoice(org.finance, "90000", contract=contract)
    assert invoiceable.for_contract(contract).invoiceable == 0

    frozen.move_to(date(2031, 6, 30))  # the warranty milestone's date: 10% more
    assert invoiceable.for_contract(fresh(contract)).invoiceable == D("30000.00")


def test_a_milestone_invoice_stays_within_its_milestone(org, contract):
    terms = {term.trigger: term for term in contract.terms.all()}
    advance = invoice(org.finance, "90000", contract=contract, term=terms[Trigger.SIGNING])
    assert advance.term == terms[Trigger.SIGNING]
    assert advance.lines.get().description.endswith("Advance")

    with pytest.raises(services.AboveInvoiceable) as on_acceptance:
        invoice(org.finance, "10", contract=contract, term=terms[Trigger.ACCEPTANCE])
    with pytest.raises(services.AboveInvoiceable) as dated:
        invoice(org.finance, "10", contract=contract, term=terms[Trigger.DATE])
    with pytest.raises(services.AboveInvoiceable) as again:
        invoice(org.finance, "10", contract=contract, term=terms[Trigger.SIGNING])

    expected = {"milestones", "milestone_on_acceptance", "milestone_date"}
    assert missing_codes(on_acceptance.value) == missing_codes(dated.value) == expected
    assert (on_acceptance.value.invoiceable, dated.value.invoiceable) == (0, 0)
    assert missing_codes(again.value) == expected | {"milestone_amount"}


def test_acceptance_milestones_are_not_invoiced_against_the_contract(org, contract):
    accepted_order(contract, org, amounts=("50000",))
    # Accepted work is invoiced on its order; the contract still has only its advance.
    assert invoiceable.for_contract(contract).invoiceable == D("90000.00")


def test_all_of_a_contracts_invoices_stay_within_its_amount(org, contract):
    """The contract's room is the last guard: here an invoice issued before LTC (written
    straight to the table, as an import would) already holds 150,000 of it."""
    Invoice.objects.create(
        customer_id=contract.customer_id,
        contract=contract,
        amount=D("150000"),
        currency=contract.currency,
        tax_rate=D("13"),
        payment_days=30,
        started_on=TODAY,
        created_by=org.finance,
    )
    whole = accepted_order(contract, org, amounts=("100000", "200000"))

    with pytest.raises(services.AboveInvoiceable) as refused:
        invoice(org.finance, "180000", order=whole)

    assert missing_codes(refused.value) == {
        "accepted_value",
        "advance",
        "milestone_date",
        "contract_amount",
    }
    assert refused.value.invoiceable == D("150000.00")
    invoice(org.finance, "150000", order=whole)


# Other terms -------------------------------------------------------------------------------------
@pytest.mark.parametrize("terms", [ON_ACCEPTANCE], ids=["all-on-acceptance"])
def test_terms_of_100_percent_on_acceptance_invoice_the_accepted_value(org, contract):
    placed = accepted_order(contract, org, amounts=("1000", "2000"), accept=1)

    figures = invoiceable.for_order(placed)

    assert (figures.due, figures.invoiceable) == (D("1000.00"), D("1000.00"))
    assert [m.code for m in figures.reasons] == ["accepted_value", "not_accepted"]


NO_ACCEPTANCE = [
    {"label": "Advance", "percent": "40", "trigger": "signing"},
    {"label": "Final payment", "percent": "60", "trigger": "date", "due_date": "2030-12-31"},
]


@pytest.mark.parametrize("terms", [NO_ACCEPTANCE], ids=["no-acceptance-milestone"])
def test_without_an_acceptance_milestone_orders_invoice_nothing_and_say_why(org, contract):
    placed = accepted_order(contract, org, amounts=("1000",))

    with translation.override("en"), pytest.raises(services.AboveInvoiceable) as refused:
        invoice(org.finance, "1", order=placed)

    assert refused.value.invoiceable == 0
    assert labels(refused.value)["no_acceptance_milestone"] == [
        "The payment terms have no milestone on acceptance: nothing is invoiced on the orders, "
        "every milestone is invoiced against the contract"
    ]
    assert invoiceable.for_contract(contract).invoiceable == D("120000.00")  # the advance


@pytest.mark.parametrize("terms", [NO_ACCEPTANCE], ids=["no-acceptance-milestone"])
def test_without_an_acceptance_milestone_a_contract_closes_with_its_orders_delivered(org, contract):
    accepted_order(contract, org, amounts=("1000",))
    assert "orders_paid" not in {m.code for m in contracts.close_missing(contract)}


def test_a_contract_closes_only_when_every_milestone_is_invoiced_and_paid(org, frozen):
    """Closing never leaves money the terms make due uninvoiced: with the orders invoiced and paid
    and the advance paid, the retention still holds the contract open until it is invoiced (on
    its date) and paid."""
    contract, placed, terms = spec_example(org)
    contract = contracts.accept_contract(contract=contract, by=org.delivery)
    advance = Invoice.objects.get(contract=contract, term=terms["signing"])
    pay(org.finance, advance, "300000")
    pay(org.finance, issued(org.finance, "600000", order=placed), "600000")
    contracts.record_evaluation(
        contract=contract,
        by=org.delivery,
        profitability="as_planned",
        schedule_kept=True,
        acceptance_smooth=True,
        lessons="Plan the retention with the customer's finance team.",
        score=4,
    )
    assert fresh(placed).state == OrderState.CLOSED

    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        contracts.close_contract(contract=contract, by=org.rep1)
    assert labels(refused.value) == {
        "contract_invoiced": [
            "The invoices add up to the contract amount (900,000.00 of 1,000,000.00; 100,000.00 "
            "still to invoice: Retention); lower the amount by a change request if less will be "
            "delivered"
        ]
    }

    on_the_retention_date(frozen)
    retention = issued(org.finance, "100000", contract=contract, term=terms[Trigger.DATE])
    with pytest.raises(TransitionRefused) as unpaid:
        contracts.close_contract(contract=contract, by=org.rep1)
    assert missing_codes(unpaid.value) == {"invoices_paid"}
    pay(org.finance, retention, "100000")

    closed = contracts.close_contract(contract=contract, by=org.rep1)
    assert closed.state == "closed"


def test_the_acceptance_share_is_rounded_once_per_order():
    half = [Term(1, "On acceptance", D("50"), Trigger.ACCEPTANCE, None, D("0.01"))]
    # two accepted units of 0.01 at 50%: 0.01 for the order, not 0.01 + 0.01 unit by unit
    figures = order_figures(
        amount=D("0.02"),
        accepted=D("0.02"),
        invoiced=D("0"),
        contract_amount=D("1"),
        contract_invoiced=D("0"),
        terms=half,
    )
    assert (figures.due, figures.invoiceable) == (D("0.01"), D("0.01"))
    assert share_of(D("100.01"), D("33.33")) == D("33.33")  # 33.333333 → 33.33
    assert share_of(D("0.01"), D("50")) == D("0.01")  # half a cent rounds up


@pytest.mark.parametrize(
    "amount, percents",
    [
        (D("100.01"), ["33.33", "33.33", "33.34"]),
        (D("1000000"), ["30", "60", "10"]),
        (D("0.03"), ["12.5", "37.5", "50"]),
    ],
)
def test_milestones_are_split_to_the_cent_as_the_contract_splits_them(org, amount, percents):
    triggers = [Trigger.SIGNING, Trigger.ACCEPTANCE, Trigger.DATE]
    rows = [
        {"label": f"M{i}", "percent": p, "trigger": t, "due_date": "2031-01-01"}
        for i, (p, t) in enumerate(zip(percents, triggers, strict=True))
    ]
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = signed(deal, org, amount=amount, payment_terms=rows)

    saved = [term.amount_of(contract.amount) for term in contract.terms.all()]
    cleaned = contracts.clean_terms(rows)

    assert [term.amount for term in invoiceable.terms_of(contract)] == saved
    assert [term.amount for term in proposed_terms(amount, cleaned)] == saved
    assert sum(saved) == amount


# The order's states ------------------------------------------------------------------------------
def test_an_order_is_invoiced_once_its_invoices_cover_its_acceptance_share(org):
    contract, placed, _terms = spec_example(org)
    first = issued(org.finance, "500000", order=placed)
    assert fresh(placed).state == OrderState.DELIVERED
    second = issued(org.finance, "100000", order=placed)
    assert fresh(placed).state == OrderState.INVOICED  # 600,000: its 60%

    pay(org.finance, first, "500000")
    pay(org.finance, second, "100000")
    assert fresh(placed).state == OrderState.CLOSED


def test_a_closed_order_is_not_invoiced_again_even_when_a_change_raises_its_share(org):
    contract, placed, _terms = spec_example(org)
    pay(org.finance, issued(org.finance, "600000", order=placed), "600000")
    assert fresh(placed).state == OrderState.CLOSED
    more = [
        {"label": "Advance", "percent": "30", "trigger": "signing"},
        {"label": "On acceptance", "percent": "70", "trigger": "acceptance"},
    ]
    _apply(contract, org, new_terms=more)

    figures = invoiceable.for_order(fresh(placed))

    assert (figures.due, figures.invoiceable) == (D("700000.00"), 0)
    assert figures.reasons[0].code == "order_closed"
    assert invoiceable.top_orders(org.finance, 10) == []


def test_a_change_of_terms_keeps_the_invoices_on_the_milestones_that_stay(org):
    """The advance invoiced before a change still names the advance after it: the milestone's
    row is kept, so it does not look uninvoiced (and invoiceable again) under the new terms."""
    contract, _placed, terms = spec_example(org)
    advance = Invoice.objects.get(contract=contract, term=terms["signing"])
    _apply(
        contract,
        org,
        new_terms=[
            {"label": "Advance", "percent": "30", "trigger": "signing"},
            {"label": "On acceptance", "percent": "70", "trigger": "acceptance"},
        ],
    )

    advance.refresh_from_db()
    assert advance.term_id == terms["signing"].pk
    assert [(t.label, t.percent) for t in fresh(contract).terms.all()] == [
        ("Advance", D("30.00")),
        ("On acceptance", D("70.00")),
    ]
    assert invoiceable.for_contract(fresh(contract), term=advance.term).invoiceable == 0


# Corrections and changes never leave more invoiced than is due ----------------------------------
def test_an_acceptance_is_corrected_only_while_the_orders_invoices_stay_within_its_share(org):
    _contract, placed, _terms = spec_example(org)
    big, small = units_of(placed)  # 400,000 and 600,000
    held = invoice(org.finance, "600000", order=placed)

    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        delivery.correct_acceptance(unit=big, by=org.manager, reason="Certificate unsigned")
    assert labels(refused.value)["invoices_covered"] == [
        "The order's invoices (600,000.00) stay within 60% on acceptance of what remains "
        "accepted (600,000.00): 360,000.00; void or cancel them first"
    ]

    services.cancel_draft(invoice=held, by=org.finance)
    invoice(org.finance, "360000", order=placed)  # 60% of the 600,000 unit
    delivery.correct_acceptance(unit=big, by=org.manager, reason="Certificate unsigned")
    assert fresh(big).state != "accepted" and invoiceable_on_order(placed) == 0
    with pytest.raises(services.TransitionRefused):
        delivery.correct_acceptance(unit=small, by=org.manager, reason="Also unsigned")


def _apply(contract, org, **change):
    request = contracts.request_change(
        contract=contract, by=org.rep1, description="Change of terms", **change
    )
    contracts.assess_change(change=request, by=org.delivery, fr_assessment="Fine")
    contracts.assess_change(change=request, by=org.solution, sr_assessment="Fine")
    request = contracts.decide_change(change=request, by=org.manager, approve=True)
    return contracts.apply_change(change=request, by=org.rep1)


def test_a_change_lowering_the_acceptance_share_below_an_orders_invoices_is_refused(org):
    contract, placed, _terms = spec_example(org)
    invoice(org.finance, "600000", order=placed)
    lower = [
        {"label": "Advance", "percent": "50", "trigger": "signing"},
        {"label": "On acceptance", "percent": "50", "trigger": "acceptance"},
    ]

    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        _apply(contract, org, new_terms=lower)

    assert labels(refused.value) == {
        f"order_invoices_{placed.pk}": [
            "PO PO-1: its invoices (600,000.00) stay within 50% on acceptance of 1,000,000.00 "
            "accepted under the new terms (500,000.00)"
        ]
    }
    assert fresh(contract).version == 1
    higher = [
        {"label": "Advance", "percent": "30", "trigger": "signing"},
        {"label": "On acceptance", "percent": "70", "trigger": "acceptance"},
    ]
    assert _apply(contract, org, new_terms=higher).version == 2
    assert invoiceable_on_order(placed) == D("100000.00")


def test_a_change_moving_an_invoiced_milestone_out_of_reach_is_refused(org):
    contract, _placed, _terms = spec_example(org)  # the advance (300,000) is invoiced
    later = [
        {"label": "Advance", "percent": "30", "trigger": "date", "due_date": "2030-09-01"},
        {"label": "On acceptance", "percent": "70", "trigger": "acceptance"},
    ]

    with pytest.raises(TransitionRefused) as refused:
        _apply(contract, org, new_terms=later)

    assert missing_codes(refused.value) == {"milestone_invoices"}


def test_a_change_lowering_the_amount_below_what_is_invoiced_is_refused(org, contract):
    issued(org.finance, "90000", contract=contract)  # the whole advance of 300,000

    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        _apply(contract, org, amount_delta=D("-250000"))

    assert labels(refused.value) == {
        "milestone_invoices": [
            "The invoices against the contract (90,000.00) stay within the milestones the new "
            "terms make due now (15,000.00)"
        ],
        "invoices_exceed_amount": [
            "The contract's invoices (90,000.00) fit in the new amount (50,000.00)"
        ],
    }
    assert _apply(contract, org, amount_delta=D("100000")).amount == D("400000")
