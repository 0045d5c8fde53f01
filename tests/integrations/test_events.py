"""The outbox: each chain transition that matters to an ERP stores its event in the transaction of
the change (rolled back with it), with one pending delivery per subscription that wants it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from contracts import services as contract_services
from delivery import services as delivery_services
from ltc.core.errors import NotAllowed
from ltc.integrations.events import emit
from ltc.integrations.models import DeliveryState, OutboxEvent, WebhookDelivery, WebhookSubscription
from opportunities import services as deals

from ..contracts.steps import approved, signed, signing_deal
from ..delivery.steps import order, units_of
from ..factories import held_lead

pytestmark = pytest.mark.django_db


def subscribe(*events, active=True, name="ERP"):
    return WebhookSubscription.objects.create(
        name=name,
        url="http://127.0.0.1:9/hooks",
        secret="s3cret",
        events=list(events),
        active=active,
    )


def events_named(name):
    return list(OutboxEvent.objects.filter(name=name).order_by("id"))


def test_an_event_gets_one_delivery_per_active_subscription_that_wants_it(org):
    wanted = subscribe("contract.signed", "invoice.issued")
    subscribe("invoice.issued", name="Other event")
    subscribe("contract.signed", active=False, name="Inactive")
    event = emit("contract.signed", {"contract": 1, "amount": Decimal("10.5")})
    assert event.payload == {"contract": 1, "amount": "10.50"}
    deliveries = list(WebhookDelivery.objects.filter(event=event))
    assert [(d.subscription, d.state, d.attempts) for d in deliveries] == [
        (wanted, DeliveryState.PENDING, 0)
    ]


def test_an_unknown_event_name_is_a_programming_error(org):
    with pytest.raises(ValueError):
        emit("contract.teleported", {})


def test_the_event_is_rolled_back_with_the_change(org):
    subscribe("contract.signed")
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("contract.signed", {"contract": 1})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_signing_a_contract_emits_contract_signed_and_opportunity_won(org):
    subscribe("contract.signed", "opportunity.won")
    contract = signed(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    (event,) = events_named("contract.signed")
    assert event.payload == {
        "contract": contract.pk,
        "number": contract.number,
        "opportunity": contract.opportunity_id,
        "customer": contract.customer_id,
        "amount": "300000.00",
        "currency": contract.currency,
        "signed_on": contract.signed_on.isoformat(),
    }
    (won,) = events_named("opportunity.won")
    assert won.payload["opportunity"] == contract.opportunity_id
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count() == 2


def test_a_refused_signing_emits_nothing(org):
    contract = approved(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    with pytest.raises(NotAllowed):
        contract_services.sign_contract(contract=contract, by=org.rep3)
    assert not OutboxEvent.objects.exists()


def test_accepting_units_emits_one_event_per_unit(org):
    contract = signed(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    units = units_of(order(contract, org.rep1, amounts=("1000", "2000")))
    for unit in units:
        delivery_services.ship_unit(unit=unit, by=org.delivery)
    delivery_services.accept_units(units=units, by=org.delivery, certificate="AC-7")
    accepted = events_named("delivery_unit.accepted")
    assert [(e.payload["delivery_unit"], e.payload["amount"]) for e in accepted] == [
        (units[0].pk, "1000.00"),
        (units[1].pk, "2000.00"),
    ]
    assert {e.payload["certificate"] for e in accepted} == {"AC-7"}


def test_converting_a_lead_emits_lead_converted(org):
    lead = held_lead(org.rep1, state="validated", budget_confirmed=True, need="Line 3")
    opp = deals.convert_lead(
        lead=lead,
        user=org.rep1,
        opportunity_name="Line 3 retrofit",
        amount=Decimal("500000"),
        expected_close_date=lead.created_at.date(),
    )
    (event,) = events_named("lead.converted")
    assert event.payload["lead"] == lead.pk
    assert event.payload["opportunity"] == opp.pk
    assert event.payload["customer"] == opp.customer_id


def test_losing_a_deal_emits_opportunity_lost_with_the_loss_review(org):
    opp = signing_deal(org.rep1)
    deals.close_lost(
        opportunity=opp, user=org.rep1, reason="price", lessons="Too expensive", competitor="Rival"
    )
    (event,) = events_named("opportunity.lost")
    assert event.payload["state"] == "lost"
    assert event.payload["reason"] == "price"
    assert event.payload["competitor"] == "Rival"


def test_issuing_an_invoice_and_receiving_a_payment_emit_their_events(org):
    from ..billing.steps import NOW, ON_ACCEPTANCE, accepted_order, issued, pay

    with time_machine.travel(NOW, tick=False):
        deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
        contract = signed(deal, org, payment_terms=ON_ACCEPTANCE)
        invoice = issued(
            org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",))
        )
        payment = pay(org.finance, invoice, "400", total="500", reference="ICBC-9")
    (issued_event,) = events_named("invoice.issued")
    assert issued_event.payload["invoice"] == invoice.pk
    assert issued_event.payload["number"] == invoice.number
    assert (issued_event.payload["amount"], issued_event.payload["currency"]) == ("1000.00", "CNY")
    (received,) = events_named("payment.received")
    assert received.payload["payment"] == payment.pk
    assert (received.payload["amount"], received.payload["reference"]) == ("500.00", "ICBC-9")
    assert received.payload["allocations"] == [{"invoice": invoice.pk, "amount": "400.00"}]


@pytest.mark.parametrize("count", [1, 20])
def test_many_events_are_stored_in_a_fixed_number_of_queries(org, count, django_assert_num_queries):
    from ltc.integrations.events import emit_many

    subscribe("delivery_unit.accepted")
    subscribe("delivery_unit.accepted", name="Second")
    with django_assert_num_queries(3):  # events, subscriptions, deliveries
        emit_many("delivery_unit.accepted", [{"delivery_unit": i} for i in range(count)])
    assert WebhookDelivery.objects.count() == 2 * count
