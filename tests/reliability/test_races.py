"""Races on PostgreSQL with real concurrent connections: the same advance, signing, contract
acceptance, unit acceptance and order placement sent by many threads at once. Each transition
is applied exactly once (one winner, the others refused with 409's reason), and concurrent
orders never over-allocate the contract. (The lead claim race is in tests/leads.)"""

from decimal import Decimal

import pytest
from django.db.models import Sum

from contracts import services as contracts
from contracts.models import Contract, ContractState
from delivery import services as delivery
from delivery.models import DeliveryUnit, Order, RevenueEntry
from ltc.activity.models import TransitionLog
from ltc.core.errors import DomainError, TransitionRefused
from opportunities import services as deals
from opportunities.models import Opportunity, StageHistory

from ..api.test_contracts_api import contract_in
from ..api.test_delivery_api import placed_order, units_of
from ..leads.test_claim_race import run_at_once
from ..opportunities.steps import codes_of, fresh, meet
from ..opportunities.test_gates import ALWAYS_MET, deal_before

RACERS = 8
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _split(results, kind):
    wins = [r for r in results if isinstance(r, kind)]
    refused = [r for r in results if isinstance(r, DomainError)]
    others = [r for r in results if not isinstance(r, kind | DomainError)]
    assert not others, others
    return wins, refused


def _logs(obj, transition: str) -> int:
    return TransitionLog.objects.filter(
        content_type__model=obj._meta.model_name, object_id=obj.pk, transition=transition
    ).count()


def test_the_same_advance_sent_eight_times_moves_the_deal_one_stage(postgres, org):
    opp = deal_before(org, "approval")
    for code in codes_of("approval") - ALWAYS_MET:
        meet(opp, code, org)
    start = fresh(opp).stage.code

    def advance(_):
        return deals.advance(opportunity=Opportunity.objects.get(pk=opp.pk), user=org.rep1)

    wins, refused = _split(run_at_once(advance, range(RACERS)), Opportunity)
    assert len(wins) >= 1
    moved = fresh(opp)
    # Every winner after the first would have moved it again: the stage moved exactly once
    # unless the next gate was also met (it is not: the approval gate needs a review).
    assert moved.stage.code == "approval" != start
    assert StageHistory.objects.filter(opportunity=opp, stage__code="approval").count() == 1
    assert StageHistory.objects.filter(opportunity=opp, exited_at__isnull=True).count() == 1
    assert len(wins) == 1 and len(refused) == RACERS - 1, (wins, refused)


def test_signing_the_same_contract_eight_times_signs_it_once(postgres, org):
    contract = contract_in(org, "approved")

    def sign(_):
        return contracts.sign_contract(contract=Contract.objects.get(pk=contract.pk), by=org.rep1)

    wins, refused = _split(run_at_once(sign, range(RACERS)), Contract)
    assert (len(wins), len(refused)) == (1, RACERS - 1)
    assert all(isinstance(r, TransitionRefused) for r in refused)
    assert Contract.objects.get(pk=contract.pk).state == ContractState.SIGNED
    assert _logs(contract, "sign") == 1
    assert Opportunity.objects.get(pk=contract.opportunity_id).state == "won"


def test_accepting_the_same_contract_eight_times_starts_execution_once(postgres, org):
    contract = contract_in(org, "signed")

    def accept(_):
        return contracts.accept_contract(
            contract=Contract.objects.get(pk=contract.pk), by=org.delivery
        )

    wins, refused = _split(run_at_once(accept, range(RACERS)), Contract)
    assert (len(wins), len(refused)) == (1, RACERS - 1)
    assert Contract.objects.get(pk=contract.pk).state == ContractState.EXECUTING
    assert _logs(contract, "accept") == 1


def test_accepting_the_same_unit_eight_times_recognises_its_revenue_once(postgres, org):
    order = placed_order(org)
    unit = units_of(order)[0]
    delivery.ship_unit(unit=unit, by=org.delivery)

    def accept(index):
        return delivery.accept_unit(
            unit=DeliveryUnit.objects.get(pk=unit.pk), by=org.delivery, certificate=f"AC-{index}"
        )

    wins, refused = _split(run_at_once(accept, range(RACERS)), DeliveryUnit)
    assert (len(wins), len(refused)) == (1, RACERS - 1)
    assert RevenueEntry.objects.filter(unit=unit).count() == 1
    assert RevenueEntry.objects.get(unit=unit).amount == unit.amount
    assert _logs(unit, "accept") == 1


def test_concurrent_orders_never_exceed_the_contract(postgres, org):
    contract = contract_in(org, "signed", amount=Decimal("300000"))

    def place(index):
        return delivery.create_order(
            contract=Contract.objects.get(pk=contract.pk),
            by=org.rep1,
            number=f"PO-{index}",
            amount=Decimal("100000"),
            units=[{"name": "Site", "amount": "100000"}],
        )

    wins, refused = _split(run_at_once(place, range(RACERS)), Order)
    assert (len(wins), len(refused)) == (3, RACERS - 3)
    total = Order.objects.filter(contract=contract).aggregate(total=Sum("amount"))["total"]
    assert total == Decimal("300000")
