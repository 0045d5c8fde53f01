"""Revenue, receivables, DSO and order-to-cash through the real delivery and billing services:
two invoices, a payment split over both, the rest paid later."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import F

from billing import selectors
from billing import services as billing
from dashboards import figures
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope
from dashboards.stats import nearest_rank
from delivery import services as delivery

from ..billing.steps import accepted_order, issued
from ..contracts.steps import NOW, ON_ACCEPTANCE, TODAY, signed, signing_deal
from ..delivery.steps import units_of

pytestmark = pytest.mark.django_db
YEAR = parse_period(str(TODAY.year))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cash(org, frozen):
    """Order PO-1 (1,000 + 2,000 accepted today, a 4,000 unit shipped, not accepted), invoiced
    1,000 and 2,000 today; ten days later one payment of 1,500 pays the first invoice and half of
    the second; thirty days after the order the rest of the second is paid."""
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = signed(deal, org, payment_terms=ON_ACCEPTANCE)
    placed = accepted_order(contract, org, amounts=("1000", "2000", "4000"), accept=2)
    delivery.ship_unit(unit=units_of(placed)[2], by=org.delivery)
    first = issued(org.finance, "1000", order=placed)
    second = issued(org.finance, "2000", order=placed)
    frozen.shift(timedelta(days=10))
    billing.record_payment(
        by=org.finance,
        customer=first.customer,
        amount=Decimal("1500"),
        currency=first.currency,
        reference="BANK-SPLIT",
        allocations=[
            {"invoice": first.pk, "amount": Decimal("1000")},
            {"invoice": second.pk, "amount": Decimal("500")},
        ],
    )
    return {"contract": contract, "order": placed, "first": first, "second": second}


def test_revenue_per_month_and_what_is_delivered_but_not_accepted(org, cash):
    result = figures.revenue(resolve_scope(org.rep1), YEAR)
    month = next(m for m in result["months"] if m["month"] == TODAY.strftime("%Y-%m"))
    assert (month["recognised"], month["net"], month["entries"]) == (
        Decimal("3000.00"),
        Decimal("3000.00"),
        2,
    )
    assert result["total"] == Decimal("3000.00")
    assert result["delivered_not_accepted"] == {"count": 1, "amount": Decimal("4000.00")}


def test_a_split_payment_settles_each_invoice_on_its_own_day(org, cash, frozen):
    scope = resolve_scope(org.finance)
    partly = figures.receivables(scope, YEAR)
    assert partly["aging"]["total"] == Decimal("1500.00")
    assert partly["collected"] == Decimal("1500.00") and partly["invoiced"] == Decimal("3000.00")
    assert partly["order_to_cash"]["count"] == 1  # only the first invoice is paid in full
    assert partly["order_to_cash"]["median"] == 10.0

    frozen.shift(timedelta(days=20))
    billing.record_payment(
        by=org.finance,
        customer=cash["second"].customer,
        amount=Decimal("1500"),
        currency="CNY",
        reference="BANK-REST",
        allocations=[{"invoice": cash["second"].pk, "amount": Decimal("1500")}],
    )
    paid = figures.receivables(scope, YEAR)
    assert paid["aging"]["total"] == Decimal("0.00")
    assert paid["collected"] == Decimal("3000.00")
    assert paid["order_to_cash"] == {"count": 2, "median": 10.0, "p90": 30.0, "average": 20.0}
    cycle = figures.cycle_times(scope, YEAR)
    assert cycle["order_to_cash"] == paid["order_to_cash"]
    # One statement gives the nearest ranks and billing's average, as the two definitions do.
    invoices = figures.paid_invoices(scope, YEAR)
    ranks = nearest_rank(invoices, F("cash_days"))[None]
    assert (ranks["count"], ranks[50], ranks[90]) == (2, 10, 30)
    assert selectors.order_to_cash(invoices)["average_days"] == Decimal("20.0")


def test_aging_buckets_and_dso(org, cash, frozen):
    frozen.shift(timedelta(days=60))  # the second invoice's rest is now overdue
    result = figures.receivables(resolve_scope(org.admin), YEAR)
    aging = result["aging"]
    assert aging["total"] == Decimal("1500.00") and aging["invoice_count"] == 1
    overdue = {k: v for k, v in aging.items() if k.startswith(("days", "over", "not")) and v}
    assert sum(overdue.values()) == Decimal("1500.00") and len(overdue) == 1
    assert result["customers"][0]["total"] == Decimal("1500.00")
    assert result["dso"]["outstanding"] == Decimal("1500.00")
    assert result["dso"]["sales"] == Decimal("3000.00")
    assert result["dso"]["dso"] == Decimal("45.0")  # 1,500 / 3,000 × 90


def test_another_teams_rep_sees_no_cash_of_team_1(org, cash):
    result = figures.receivables(resolve_scope(org.rep3), YEAR)
    assert result["aging"]["total"] == Decimal("0.00") and result["invoiced"] == Decimal("0.00")
    assert figures.revenue(resolve_scope(org.rep3), YEAR)["total"] == Decimal("0.00")


def test_a_team_counts_the_deals_booked_to_it_or_owned_by_its_members(org, cash):
    """A team's cash figures cover the contracts of deals booked to the team or owned by one of
    its members (``Scope.deal_q``): each side once, whichever team the other side names."""
    from opportunities.models import Opportunity

    other = signed(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    issued(org.finance, "700", contract=other)
    # rep3 (team 2) owns it, booked to team 1; rep1's cash deal is booked to team 2.
    Opportunity.objects.filter(pk=other.opportunity_id).update(owner=org.rep3, team=org.team1)
    Opportunity.objects.filter(pk=cash["contract"].opportunity_id).update(team=org.team2)
    for team in (org.team1, org.team2):
        for viewer in (org.admin, org.finance):
            result = figures.receivables(resolve_scope(viewer, team=team.pk), YEAR, today=TODAY)
            assert result["invoiced"] == Decimal("3700.00")
            assert result["aging"]["invoice_count"] == 2  # the first one is paid
    region = figures.receivables(resolve_scope(org.admin, team=org.region.pk), YEAR, today=TODAY)
    assert region["invoiced"] == Decimal("3700.00")  # each invoice once
    manager = figures.receivables(resolve_scope(org.manager), YEAR, today=TODAY)
    assert manager["invoiced"] == Decimal("3700.00")
    revenue = figures.revenue(resolve_scope(org.admin, team=org.team2.pk), YEAR)
    assert revenue["total"] == Decimal("3000.00")  # the cash deal's accepted units
