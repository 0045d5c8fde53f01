"""Nothing that carries money or delivery is hard-deleted: orders, delivery units, contracts,
quotes, reviews, payment terms and revenue entries refuse ``delete()``, ``QuerySet.delete()``
and the cascade of a parent's deletion; the admin offers no delete, and cancels contracts
through the service instead. A pending contract review cannot be deleted from under its
contract."""

import pytest
from django.contrib import admin
from django.db import transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from contracts import services as contract_services
from contracts.models import Contract, ContractState, PaymentTerm, Quote
from delivery.models import DeliveryUnit, Order, RevenueEntry
from ltc.core.deletion import DeletionRefused
from opportunities.models import Opportunity, Review

from ..contracts.steps import LINES, TODAY, draft, fresh, signing_deal, submit
from .steps import accepted_order, issued


@pytest.fixture
def chain(org, contract, milestones):
    """An accepted order (units, revenue) and an invoiced milestone of a signed contract."""
    order = accepted_order(contract, org, amounts=("1000",))
    planned = accepted_order(contract, org, number="PO-2", amounts=("500",), accept=0)
    other = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    quote = contract_services.create_quote(
        opportunity=other, by=org.rep1, valid_until=TODAY, lines=LINES
    )
    term = milestones.terms.order_by("position").first()
    issued(org.finance, "90000", contract=milestones, term=term)
    return {
        "order": order,
        "unit": order.units.first(),
        "revenue": RevenueEntry.objects.filter(order=order).first(),
        "contract": contract,
        "planned_order": planned,
        "planned_unit": planned.units.first(),
        "quote": quote,
        "term": term,
        "review": Review.objects.filter(opportunity=contract.opportunity).first(),
    }


RECORDS = [
    "order",
    "unit",
    "planned_order",
    "planned_unit",
    "revenue",
    "contract",
    "quote",
    "term",
    "review",
]
# Either our guard or a protected foreign key refuses; the planned order and unit (no revenue
# booked on them yet) are refused by the guard alone.
REFUSED = (DeletionRefused, ProtectedError)


@pytest.mark.parametrize("name", RECORDS)
def test_a_money_record_refuses_to_be_deleted(org, chain, name):
    record = chain[name]
    if name.startswith("planned"):
        assert not RevenueEntry.objects.filter(order__units=chain["planned_unit"]).exists()
    assert record is not None, name
    with pytest.raises(REFUSED), transaction.atomic():
        record.delete()
    with pytest.raises(REFUSED), transaction.atomic():
        type(record).objects.filter(pk=record.pk).delete()
    assert type(record).objects.filter(pk=record.pk).exists()


def test_deleting_the_deal_does_not_cascade_through_its_contract_and_orders(org, chain):
    deal = chain["contract"].opportunity
    with pytest.raises(REFUSED), transaction.atomic():
        Opportunity.objects.filter(pk=deal.pk).delete()
    assert Order.objects.filter(pk=chain["order"].pk).exists()
    assert DeliveryUnit.objects.filter(order=chain["order"]).exists()


def test_a_draft_contract_still_rewrites_its_own_milestones(org, deal):
    contract = draft(deal, org.rep1)
    PaymentTerm.objects.filter(contract=contract).delete()
    assert not contract.terms.exists()


def test_a_pending_contract_review_cannot_be_deleted_from_under_its_contract(org):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = submit(draft(deal, org.rep1), org)
    assert contract.state == ContractState.IN_REVIEW
    with pytest.raises(DeletionRefused), transaction.atomic():
        Review.objects.filter(pk=contract.review_id).delete()
    contract = fresh(contract)
    assert contract.state == ContractState.IN_REVIEW and contract.review_id is not None


@pytest.mark.parametrize(
    "model", [Order, DeliveryUnit, RevenueEntry, Contract, Quote, Review, PaymentTerm]
)
def test_the_admin_offers_no_delete(org, model):
    request = RequestFactory().get("/admin/")
    request.user = org.admin
    model_admin = admin.site._registry.get(model)
    if model_admin is None:  # not on the admin at all (PaymentTerm): nothing to delete there
        return
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.can_delete or not inline.has_delete_permission(request), inline


def test_the_admin_delete_page_is_forbidden(org, chain, client):
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client.force_login(org.admin)
    url = reverse("admin:delivery_order_delete", args=[chain["order"].pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=chain["order"].pk).exists()


def test_the_admin_cancels_contracts_through_the_service(org, client):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = submit(draft(deal, org.rep1), org)
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client.force_login(org.admin)
    response = client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "cancel_selected", "_selected_action": [contract.pk]},
    )
    assert response.status_code == 302
    contract = fresh(contract)
    assert contract.state == ContractState.CANCELLED
    assert fresh(contract.review).state == "rejected"  # the review closes with its contract
