"""What a user may do with a quote, a contract or a change request is one function each
(``services.quote_actions``, ``contract_actions``, ``change_actions``): the pages' buttons are its
answers, every service refuses with its sentence (403) or its missing items (409), the API answers
with the same, and the approvals inbox's querysets list exactly what its approve action allows (on
random records, for every user of a two-level organisation)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import selectors, services
from contracts.models import ChangeRequest, Contract, Quote
from ltc.core.errors import DomainError, NotAllowed, TransitionRefused
from opportunities.models import Review, ReviewKind, ReviewState

from ..api.test_contracts_api import contract_in
from ..factories import deciders_and_deals
from ..profiles import examples
from .steps import TODAY, product_id, signing_deal, standard_book

USERS = ["admin", "manager", "rep1", "rep2", "rep3", "solution", "delivery", "finance"]


def _evaluation(contract, by):
    return services.record_evaluation(
        contract=contract,
        by=by,
        profitability="as_planned",
        schedule_kept=True,
        acceptance_smooth=True,
        lessons="Fine",
        score=3,
    )


def _quote_in(deal, org, state: str) -> Quote:
    """rep1's quote from the catalogue, a draft, waiting for its discount's approval, or sent."""
    discount = "40" if state == "pending_approval" else "0"
    quote = services.create_quote(
        opportunity=deal,
        by=org.rep1,
        valid_until=TODAY + timedelta(days=30),
        price_book=standard_book(),
        lines=[{"product": product_id("LIC"), "quantity": "1", "discount_percent": discount}],
    )
    if state == "pending_approval":
        quote = services.submit_quote(quote=quote, by=org.rep1)
    if state == "sent":
        quote = services.send_quote(quote=quote, by=org.rep1)
    return quote


# action -> the service call it guards
CONTRACT_CALLS = {
    "edit": lambda c, u: services.update_contract(contract=c, by=u, title="Renamed"),
    "costs": lambda c, u: services.assess_contract_cost(contract=c, by=u, cost_amount="1000"),
    "clear_risk": lambda c, u: services.clear_contract_risk(contract=c, by=u, reason="Checked"),
    "submit": lambda c, u: services.submit_contract(contract=c, by=u),
    "approve": lambda c, u: services.decide_contract(contract=c, by=u, approve=True),
    "reject": lambda c, u: services.decide_contract(contract=c, by=u, approve=False, comment="No"),
    "sign": lambda c, u: services.sign_contract(contract=c, by=u),
    "accept": lambda c, u: services.accept_contract(contract=c, by=u),
    "evaluate": _evaluation,
    "close": lambda c, u: services.close_contract(contract=c, by=u),
    "cancel": lambda c, u: services.cancel_contract(contract=c, by=u, reason="No"),
    "request_change": lambda c, u: services.request_change(
        contract=c, by=u, description="More", amount_delta="1000"
    ),
}
QUOTE_CALLS = {
    "edit": lambda q, u: services.update_quote(quote=q, by=u, notes="Again"),
    "costs": lambda q, u: services.set_quote_costs(
        quote=q, by=u, costs=[{"position": 1, "unit_cost": "10"}]
    ),
    "submit": lambda q, u: services.submit_quote(quote=q, by=u),
    "approve": lambda q, u: services.decide_quote(quote=q, by=u, approve=True),
    "reject": lambda q, u: services.decide_quote(quote=q, by=u, approve=False, comment="No"),
    "send": lambda q, u: services.send_quote(quote=q, by=u),
    "accept": lambda q, u: services.record_quote_answer(quote=q, by=u, accepted=True),
    "decline": lambda q, u: services.record_quote_answer(quote=q, by=u, accepted=False),
    "revise": lambda q, u: services.revise_quote(quote=q, by=u),
}
CHANGE_CALLS = {
    "assess_fr": lambda c, u: services.assess_change(change=c, by=u, fr_assessment="Can do"),
    "assess_sr": lambda c, u: services.assess_change(change=c, by=u, sr_assessment="Fits"),
    "approve": lambda c, u: services.decide_change(change=c, by=u, approve=True),
    "reject": lambda c, u: services.decide_change(change=c, by=u, approve=False, comment="No"),
    "apply": lambda c, u: services.apply_change(change=c, by=u),
}


def _refuses_as_its_action(act, call, record, user) -> None:
    """The service raises the action's own refusal: its sentence (403) or its items (409)."""
    with pytest.raises(DomainError) as caught:
        call(record, user)
    if act.refused is not None:
        assert isinstance(caught.value, NotAllowed), act
        assert str(caught.value.detail) == str(act.refused)
    else:
        assert isinstance(caught.value, TransitionRefused), act
        assert str(caught.value.detail) == str(act.detail or act.missing[0].label)
        assert [m.code for m in caught.value.missing] == [m.code for m in act.missing]


def _check_refusals(org, record, actions_of, calls) -> int:
    """Every action refused to any of ``USERS``, called: refused the same way (in English, as a
    refusal formatted with a field's name is a sentence of the language it was made in)."""
    refused = 0
    with translation.override("en"):
        for name in USERS:
            user = org.user(name)
            for action, act in actions_of(user, record).items():
                if not act:
                    refused += 1
                    _refuses_as_its_action(act, calls[action], record, user)
    return refused


@pytest.mark.parametrize("state", ["draft", "in_review", "approved", "signed", "executing"])
def test_every_refused_contract_action_is_the_services_refusal(org, state):
    contract = contract_in(org, state)
    assert set(services.contract_actions(org.rep1, contract)) == set(CONTRACT_CALLS)
    assert _check_refusals(org, contract, services.contract_actions, CONTRACT_CALLS)


@pytest.mark.parametrize("state", ["draft", "pending_approval", "sent"])
def test_every_refused_quote_action_is_the_services_refusal(org, deal, state):
    quote = _quote_in(deal, org, state)
    assert set(services.quote_actions(org.rep1, quote)) == set(QUOTE_CALLS)
    assert _check_refusals(org, quote, services.quote_actions, QUOTE_CALLS)


@pytest.mark.parametrize("state", ["requested", "reviewed", "approved"])
def test_every_refused_change_action_is_the_services_refusal(org, state):
    contract = contract_in(org, "signed")
    change = services.request_change(
        contract=contract, by=org.rep1, description="More", amount_delta=Decimal("1000")
    )
    if state != "requested":
        change = services.assess_change(change=change, by=org.delivery, fr_assessment="Can do")
        change = services.assess_change(change=change, by=org.solution, sr_assessment="Fits")
    if state == "approved":
        change = services.decide_change(change=change, by=org.manager, approve=True)
    assert set(services.change_actions(org.rep1, change)) == set(CHANGE_CALLS)
    assert _check_refusals(org, change, services.change_actions, CHANGE_CALLS)


# The pages ------------------------------------------------------------------------------------
CONTRACT_BUTTONS = {
    "can_submit": ("submit", "contracts:contract_submit"),
    "can_sign": ("sign", "contracts:contract_sign"),
    "can_accept": ("accept", "contracts:contract_accept"),
    "can_evaluate": ("evaluate", "contracts:contract_evaluate"),
    "can_close": ("close", "contracts:contract_close"),
    "can_cancel": ("cancel", "contracts:contract_cancel"),
    "can_request_change": ("request_change", "contracts:change_request"),
}


@pytest.mark.parametrize("state", ["draft", "approved", "signed", "executing"])
@pytest.mark.parametrize("name", ["rep1", "manager", "solution", "delivery", "finance"])
def test_the_contract_page_draws_its_buttons_from_the_actions(org, browser_as, state, name):
    contract = contract_in(org, state)
    actions = services.contract_actions(org.user(name), contract)
    page = browser_as(name).get(reverse("contracts:contract_detail", args=[contract.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for flag, (action, route) in CONTRACT_BUTTONS.items():
        shown = services.offered(actions[action])
        assert page.context[flag] == shown, (flag, name, state)
        assert (f'action="{reverse(route, args=[contract.pk])}"' in html) == shown, flag
    assert page.context["can_edit"] == bool(actions["edit"])
    edit_url = reverse("contracts:contract_edit", args=[contract.pk])
    assert (f'href="{edit_url}"' in html) == bool(actions["edit"])
    assert (page.context["cost_form"] is not None) == bool(actions["costs"])


def test_the_contract_review_and_change_buttons_are_the_actions(org, browser_as):
    reviewed = contract_in(org, "in_review")
    for name in ("rep1", "manager", "solution"):
        page = browser_as(name).get(reverse("contracts:contract_detail", args=[reviewed.pk]))
        decide = bool(services.contract_actions(org.user(name), reviewed)["reject"])
        assert page.context["review"]["can_decide"] == decide
        assert decide == (name == "manager")

    contract = contract_in(org, "signed")
    change = services.request_change(
        contract=contract, by=org.rep1, description="More", amount_delta=Decimal("1000")
    )
    services.assess_change(change=change, by=org.delivery, fr_assessment="Can do")
    for name in ("rep1", "manager", "solution", "delivery"):
        page = browser_as(name).get(reverse("contracts:contract_detail", args=[contract.pk]))
        [row] = page.context["changes"]
        actions = services.change_actions(org.user(name), row["change"])
        assert row["can_approve"] == bool(actions["approve"])
        assert row["can_reject"] == bool(actions["reject"]) == (name == "manager")
        assert row["can_apply"] == services.offered(actions["apply"])
        form = row["assess_form"]
        assert (form is not None and "sr_assessment" in form.fields) == bool(actions["assess_sr"])


QUOTE_BUTTONS = {
    "can_edit": ("edit", "contracts:quote_edit"),
    "can_decide": ("approve", "contracts:quote_decide"),
    "can_send": ("send", "contracts:quote_send"),
    "can_answer": ("accept", "contracts:quote_answer"),
    "can_revise": ("revise", "contracts:quote_revise"),
}


@pytest.mark.parametrize("state", ["draft", "pending_approval", "sent"])
@pytest.mark.parametrize("name", ["rep1", "manager", "solution", "admin"])
def test_the_quote_page_draws_its_buttons_from_the_actions(org, deal, browser_as, state, name):
    quote = _quote_in(deal, org, state)
    actions = services.quote_actions(org.user(name), quote)
    page = browser_as(name).get(reverse("contracts:quote_detail", args=[quote.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for flag, (action, route) in QUOTE_BUTTONS.items():
        shown = services.offered(actions[action]) if flag == "can_send" else bool(actions[action])
        assert page.context[flag] == shown, (flag, name, state)
        url = reverse(route, args=[quote.pk])
        assert (url in html) == shown, flag
    assert (page.context["costs_form"] is not None) == bool(actions["costs"])
    assert page.context["can_submit"] == services.offered(actions["submit"], "needs_approval")


@pytest.mark.parametrize("name", ["rep1", "manager", "solution", "rep3"])
def test_the_deal_pages_quote_and_contract_buttons_are_the_actions(org, deal, name):
    from contracts.templatetags.contracts_tags import deal_commercials

    user = org.user(name)
    panel = deal_commercials(deal, user)
    assert panel["can_quote"] == bool(services.new_quote_action(user, deal))
    assert panel["can_draft"] == bool(services.new_contract_action(user, deal))
    assert panel["can_draft"] == (name in ("rep1", "manager"))
    contract_in(org, "draft", opp=deal)
    assert not deal_commercials(deal, user)["can_draft"]
    assert not services.new_contract_action(user, deal)


# The API --------------------------------------------------------------------------------------
def test_the_api_answers_403_and_409_from_the_actions(org, api):
    draft = contract_in(org, "draft")
    url = f"/api/v1/contracts/{draft.pk}/"
    with translation.override("en"):
        refused = services.contract_actions(org.solution, draft)["submit"]
        response = api("solution").post(f"{url}submit/", {}, format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == str(refused.refused)

        missing = services.contract_actions(org.rep1, draft)["sign"]
        response = api("rep1").post(f"{url}sign/", {}, format="json")
        assert response.status_code == 409
        assert response.json() == {
            "detail": str(missing.detail),
            "missing": [item.as_dict() for item in missing.missing],
        }

    signed = contract_in(org, "signed")
    change = services.request_change(
        contract=signed, by=org.rep1, description="More", amount_delta=Decimal("1000")
    )
    apply = services.change_actions(org.rep1, change)["apply"]
    response = api("rep1").post(f"/api/v1/change-requests/{change.pk}/apply/", {}, format="json")
    assert response.status_code == 409
    assert [m["code"] for m in response.json()["missing"]] == [m.code for m in apply.missing]
    response = api("rep1").post(f"/api/v1/change-requests/{change.pk}/approve/", {}, format="json")
    assert response.status_code == 403  # the AR never decides their own deal's change


# The inbox: the approve rules' queryset forms -------------------------------------------------
DEALS = ["rep1", "rep3", "manager", "rep1-in-team2"]
FIRST = [None, "manager", "director", "admin", "rep2"]

records = st.fixed_dictionaries(
    {
        # per deal: (quote states), (contract state, review state, escalated, first approver),
        # (change states)
        "quotes": st.lists(
            st.tuples(
                st.sampled_from(DEALS),
                st.sampled_from(["draft", "pending_approval", "pending_approval", "approved"]),
            ),
            max_size=6,
        ),
        "contracts": st.lists(
            st.tuples(
                st.sampled_from(DEALS),
                st.sampled_from(["in_review", "in_review", "draft", "approved"]),
                st.sampled_from([ReviewState.PENDING, ReviewState.PENDING, ReviewState.APPROVED]),
                st.booleans(),
                st.sampled_from(FIRST),
            ),
            max_size=4,
            unique_by=lambda spec: spec[0],  # one live contract a deal
        ),
        "changes": st.lists(
            st.sampled_from(["requested", "reviewed", "reviewed", "approved", "rejected"]),
            max_size=5,
        ),
    }
)


@pytest.fixture
def people(org):
    return deciders_and_deals(org, signing_deal)


def _make(specs, users, deals) -> tuple[list, list, list]:
    now = timezone.now()
    quotes = [
        Quote.objects.create(
            opportunity=deals[deal],
            number=f"Q-{i}",
            version=i + 1,
            currency="CNY",
            valid_until=TODAY + timedelta(days=30),
            state=state,
            created_by=deals[deal].owner,
        )
        for i, (deal, state) in enumerate(specs["quotes"])
    ]
    contracts = []
    for i, (deal, state, review_state, escalated, first) in enumerate(specs["contracts"]):
        opp = deals[deal]
        review = Review.objects.create(
            opportunity=opp,
            kind=ReviewKind.CONTRACT,
            state=review_state,
            requested_by=opp.owner,
            requested_at=now,
            needs_second_approval=escalated,
            first_approved_by=users[first] if escalated and first else None,
            first_approved_at=now if escalated and first else None,
        )
        contracts.append(
            Contract.objects.create(
                number=f"HT-{i}",
                title="Contract",
                opportunity=opp,
                customer=opp.customer,
                amount=Decimal("1000"),
                currency="CNY",
                state=state,
                review=review,
                created_by=opp.owner,
            )
        )
    changes = [
        ChangeRequest.objects.create(
            contract=contracts[i % len(contracts)],
            description="More",
            amount_delta=Decimal("10"),
            requested_by=users["rep1"],
            requested_at=now,
            state=state,
        )
        for i, state in enumerate(specs["changes"] if contracts else [])
    ]
    return quotes, contracts, changes


def _allowed(rows, actions_of, user, name: str) -> set[int]:
    return {row.pk for row in rows if actions_of(user, row)[name]}


@settings(
    max_examples=examples(40),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=records)
def test_the_inbox_lists_exactly_what_the_rules_let_each_user_approve(org, people, specs):
    users, deals = people
    with transaction.atomic():
        quotes, contracts, changes = _make(specs, users, deals)
        ids = {"quotes": [q.pk for q in quotes], "contracts": [c.pk for c in contracts]}
        ids["changes"] = [c.pk for c in changes]
        for name, user in users.items():
            waiting = selectors.approvals_waiting(user)
            listed = {
                kind: set(waiting[kind].filter(pk__in=ids[kind]).values_list("pk", flat=True))
                for kind in ids
            }
            assert listed["quotes"] == _allowed(quotes, services.quote_actions, user, "approve")
            assert listed["quotes"] == set(
                Quote.objects.filter(pk__in=ids["quotes"])
                .approvable_by(user)
                .values_list("pk", flat=True)
            ), name
            for verdict in ("approve", "reject"):
                allowed = _allowed(contracts, services.contract_actions, user, verdict)
                assert listed["contracts"] == allowed, (name, verdict, specs)
            assert listed["changes"] == _allowed(
                changes, services.change_actions, user, "approve"
            ), (name, specs)
        transaction.set_rollback(True)
