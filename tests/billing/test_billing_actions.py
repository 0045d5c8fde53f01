"""What a user may do with an invoice, a payment and its allocations is one function each
(``billing.rules.invoice_actions``, ``payment_actions``, ``allocation_actions``,
``order_billing_actions``): the billing pages' buttons are its answers, the services refuse with
its sentence and its missing items, the API answers 403/409 from it, and the finance
workbench's "invoiceable now" (``rules.orders_invoiceable_by``) lists exactly the orders it lets
the user invoice."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import rules, services
from billing.models import Allocation, Invoice, Payment
from contracts.models import Contract, ContractState
from delivery.models import Order, OrderState
from ltc.core.errors import NotAllowed, TransitionRefused

from ..profiles import examples
from .steps import accepted_order, all_on_acceptance, fresh, invoice, issued, pay

pytestmark = all_on_acceptance
INVOICES = "/api/v1/invoices/"
PAYMENTS = "/api/v1/payments/"
ROLES = ["rep1", "manager", "finance", "admin"]


@pytest.fixture
def order(org, contract):
    """PO-1: 3,000 accepted, all of it invoiceable on acceptance."""
    return accepted_order(contract, org)


@pytest.fixture
def records(org, order):
    """A draft, an issued invoice and one partly paid (its payment allocated to it)."""
    draft = invoice(org.finance, "500", order=order)
    plain = issued(org.finance, "1000", order=order)
    owed = issued(org.finance, "1000", order=order)
    payment = pay(org.finance, owed, "400")
    return {"draft": draft, "issued": plain, "owed": fresh(owed), "payment": payment}


def _shown(html: str, url: str) -> bool:
    return f'action="{url}"' in html


@pytest.mark.parametrize("name", ROLES)
def test_the_invoice_pages_draw_their_buttons_from_the_actions(org, browser_as, records, name):
    user, client = getattr(org, name), browser_as(name)
    for key in ("draft", "issued", "owed"):
        record = Invoice.objects.get(pk=records[key].pk)
        actions = rules.invoice_actions(user, record)
        html = client.get(reverse("billing:invoice_detail", args=[record.pk])).content.decode()
        for act in ("issue", "cancel", "void"):
            url = reverse(f"billing:invoice_{act}", args=[record.pk])
            assert _shown(html, url) == bool(actions[act]), (name, key, act)
    allowed = {
        act for act in ("issue", "cancel") if rules.invoice_actions(user, records["draft"])[act]
    }
    assert allowed == ({"issue", "cancel"} if name in {"finance", "admin"} else set())


@pytest.mark.parametrize("name", ROLES)
def test_the_payment_page_draws_its_buttons_from_the_actions(org, browser_as, records, name):
    user = getattr(org, name)
    payment = Payment.objects.get(pk=records["payment"].pk)
    html = browser_as(name).get(reverse("billing:payment_detail", args=[payment.pk]))
    html = html.content.decode()
    allocate = rules.payment_actions(user, payment)["allocate"]
    assert _shown(html, reverse("billing:payment_allocate", args=[payment.pk])) == bool(allocate)
    allocation = Allocation.objects.select_related("invoice").get(payment=payment)
    release = rules.allocation_actions(user, allocation)["release"]
    url = reverse("billing:allocation_release", args=[allocation.pk])
    assert _shown(html, url) == bool(release) == (name in {"finance", "admin"})


def test_a_button_refused_for_what_the_record_lacks_is_disabled_with_the_reasons(
    org, browser_as, records
):
    Contract.objects.filter(pk=records["draft"].contract_id).update(state=ContractState.CLOSED)
    draft = Invoice.objects.get(pk=records["draft"].pk)
    issue = rules.invoice_actions(org.finance, draft)["issue"]
    assert issue.refused is None and [m.code for m in issue.missing] == ["contract_active"]
    with translation.override("en"):
        html = browser_as("finance").get(
            reverse("billing:invoice_detail", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        html = html.content.decode()
        assert not _shown(html, reverse("billing:invoice_issue", args=[draft.pk]))
        assert "disabled" in html and escape(str(issue.missing[0].label)) in html


def test_a_refused_service_call_raises_the_actions_refusal(org, records):
    with translation.override("en"):
        refused = rules.invoice_actions(org.rep1, records["draft"])["issue"]
        assert not refused and "Only finance" in str(refused.refused)
        with pytest.raises(NotAllowed) as caught:
            services.issue_invoice(invoice=records["draft"], by=org.rep1)
        assert str(caught.value.detail) == str(refused.refused)

        cancel = rules.invoice_actions(org.finance, records["issued"])["cancel"]
        with pytest.raises(TransitionRefused) as caught:
            services.cancel_draft(invoice=records["issued"], by=org.finance)
        assert caught.value.missing == list(cancel.missing) and cancel.missing

        void = rules.invoice_actions(org.finance, records["owed"])["void"]
        assert {m.code for m in void.missing} == {"state", "allocations_released"}
        with pytest.raises(TransitionRefused) as caught:
            services.void_invoice(invoice=records["owed"], by=org.finance, reason="Wrong")
        assert caught.value.missing == list(void.missing)

        allocation = Allocation.objects.get(payment=records["payment"])
        services.release_allocation(allocation=allocation, by=org.finance, reason="Wrong invoice")
        released = Allocation.objects.select_related("invoice").get(pk=allocation.pk)
        again = rules.allocation_actions(org.finance, released)["release"]
        with pytest.raises(TransitionRefused) as caught:
            services.release_allocation(allocation=released, by=org.finance, reason="Twice")
        assert caught.value.missing == list(again.missing)
        assert [m.code for m in again.missing] == ["live"]


def test_the_api_answers_403_and_409_from_the_actions(org, api, records):
    with translation.override("en"):
        refused = rules.invoice_actions(org.rep1, records["draft"])["issue"]
        answer = api("rep1").post(f"{INVOICES}{records['draft'].pk}/issue/", {}, format="json")
        assert answer.status_code == 403
        assert answer.json()["detail"] == str(refused.refused)

        owed = Invoice.objects.get(pk=records["owed"].pk)
        void = rules.invoice_actions(org.finance, owed)["void"]
        answer = api("finance").post(
            f"{INVOICES}{owed.pk}/void/", {"reason": "Wrong"}, format="json"
        )
        assert answer.status_code == 409
        assert answer.json()["missing"] == void.as_dict()["missing"]


def test_the_queue_offers_to_invoice_what_the_rule_allows(org, browser_as, order):
    Order.objects.filter(pk=order.pk).update(invoiceable=Decimal("3000"))
    for name in ("finance", "rep1"):
        page = browser_as(name).get(reverse("billing:queue"))
        (row,) = page.context["order_page"].object_list
        link = f"{reverse('billing:invoice_create')}?order={order.pk}"
        shown = link in page.content.decode()
        assert shown == bool(rules.order_billing_actions(getattr(org, name), row)["invoice"])
        assert shown == (name == "finance")


# The queryset form agrees with the rule on random orders -----------------------------------
USERS = ["finance", "admin", "integration", "rep1", "manager", "delivery"]
order_specs = st.lists(
    st.tuples(
        st.sampled_from(list(OrderState.values)),
        st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("1200")]),
    ),
    min_size=6,
    max_size=6,
)
# Mostly signed or executing, where the order's own state and figure decide.
contract_states = st.sampled_from(
    [ContractState.SIGNED, ContractState.EXECUTING] * 3
    + [ContractState.CLOSED, ContractState.DRAFT]
)


@pytest.fixture
def orders(org, contract):
    return [accepted_order(contract, org, number=f"PO-{i}", accept=0) for i in range(6)]


@settings(
    max_examples=examples(30),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=order_specs, contract_state=contract_states)
def test_invoiceable_now_lists_exactly_what_the_rule_lets_each_user_invoice(
    org, contract, orders, specs, contract_state
):
    with transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(state=contract_state)
        for placed, (state, amount) in zip(orders, specs, strict=True):
            Order.objects.filter(pk=placed.pk).update(state=state, invoiceable=amount)
        ids = [placed.pk for placed in orders]
        rows = list(Order.objects.filter(pk__in=ids).select_related("contract"))
        for name in USERS:
            user = getattr(org, name)
            listed = set(
                rules.orders_invoiceable_by(user, Order.objects.filter(pk__in=ids)).values_list(
                    "pk", flat=True
                )
            )
            allowed = {o.pk for o in rows if rules.order_billing_actions(user, o)["invoice"]}
            assert listed == allowed, (name, specs, contract_state)
        transaction.set_rollback(True)
