"""Who may do what to a quote, a contract and a change request, as tables: role × action → HTTP
status.

The deal is rep1's (team 1, signing stage) with ``solution`` as SR and ``delivery`` as FR. Quotes
and contracts are seen by whoever sees the deal (the triangle, the managers above team 1, admins
and integrations); finance sees every contract (invoicing runs against them) but no quote; anyone
else gets 404. Among those who see a contract: the AR and the managers draft, edit, submit, sign,
cancel, close it and request and apply its changes; a manager above the deal — not its AR —
decides its review and its changes; the FR (or a manager) accepts it for delivery and assesses a
change's cost, the SR (or a manager) its technical side; the triangle and the managers evaluate
it. Finance and integrations only read.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts import services
from contracts.models import Contract

from ..conftest import ROLES
from ..contracts.steps import product_id, standard_book
from .test_contracts_api import TERMS, contract_in, signing_deal

CONTRACTS = "/api/v1/contracts/"
CHANGES = "/api/v1/change-requests/"
QUOTES = "/api/v1/quotes/"

# action: (the contract's state before it, how it is called)
CONTRACT_ACTIONS = {
    "retrieve": ("draft", lambda c, url: c.get(url)),
    "versions": ("draft", lambda c, url: c.get(f"{url}versions/")),
    "changes_list": ("signed", lambda c, url: c.get(f"{url}changes/")),
    "edit": ("draft", lambda c, url: c.patch(url, {"title": "Renamed"}, format="json")),
    "submit": ("draft", lambda c, url: c.post(f"{url}submit/", {}, format="json")),
    "cancel": ("draft", lambda c, url: c.post(f"{url}cancel/", {"reason": "No"}, format="json")),
    "approve": ("in_review", lambda c, url: c.post(f"{url}approve/", {}, format="json")),
    "reject": (
        "in_review",
        lambda c, url: c.post(f"{url}reject/", {"comment": "No"}, format="json"),
    ),
    "sign": ("approved", lambda c, url: c.post(f"{url}sign/", {}, format="json")),
    "accept": ("signed", lambda c, url: c.post(f"{url}accept/", {}, format="json")),
    "evaluation": (
        "executing",
        lambda c, url: c.post(
            f"{url}evaluation/",
            {
                "profitability": "as_planned",
                "schedule_kept": True,
                "acceptance_smooth": True,
                "lessons": "Fine",
                "score": 3,
            },
            format="json",
        ),
    ),
    "close": ("evaluated", lambda c, url: c.post(f"{url}close/", {}, format="json")),
    "request_change": (
        "signed",
        lambda c, url: c.post(
            f"{url}changes/", {"description": "More", "amount_delta": "1000"}, format="json"
        ),
    ),
}
_HIDDEN = dict.fromkeys(CONTRACT_ACTIONS, 404)
_READER = {"retrieve": 200, "versions": 200, "changes_list": 200}
_STEERER = {
    **_READER,
    "edit": 200,
    "submit": 200,
    "cancel": 200,
    "sign": 200,
    "close": 200,
    "request_change": 201,
    "evaluation": 200,
}
_ONLY_READS = {**_READER, **{a: 403 for a in CONTRACT_ACTIONS if a not in _READER}}
EXPECTED = {
    "admin": {**_STEERER, "approve": 200, "reject": 200, "accept": 200},
    "manager": {**_STEERER, "approve": 200, "reject": 200, "accept": 200},
    "rep1": {**_STEERER, "approve": 403, "reject": 403, "accept": 403},  # the AR
    "rep2": _HIDDEN,  # same team, not in the triangle
    "rep3": _HIDDEN,  # another team
    "solution": {**_ONLY_READS, "evaluation": 200},  # the SR
    "delivery": {**_ONLY_READS, "evaluation": 200, "accept": 200},  # the FR
    "finance": _ONLY_READS,  # sees every contract, acts on none
    "marketing": _HIDDEN,
    "integration": _ONLY_READS,
}


CREATE = {
    "admin": 201,
    "manager": 201,
    "rep1": 201,
    "rep2": 400,  # the deal is not theirs to see: no such opportunity
    "rep3": 400,
    "solution": 403,
    "delivery": 403,
    "finance": 400,
    "marketing": 400,
    "integration": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_draft_a_contract(org, api, role):
    opp = signing_deal(org)
    body = {"opportunity": opp.pk, "amount": "300000", "payment_terms": TERMS}
    response = api(role).post(CONTRACTS, body, format="json")
    assert response.status_code == CREATE[role], response.content
    assert Contract.objects.filter(opportunity=opp).exists() == (CREATE[role] == 201)


@pytest.mark.parametrize(
    "role, visible",
    [
        ("admin", True),
        ("manager", True),
        ("rep1", True),
        ("rep2", False),
        ("rep3", False),
        ("solution", True),
        ("delivery", True),
        ("finance", True),
        ("marketing", False),
        ("integration", True),
    ],
)
def test_lists_show_exactly_the_visible_contracts_and_changes(org, api, role, visible):
    contract = contract_in(org, "signed")
    change = services.request_change(
        contract=contract, by=org.rep1, description="More", amount_delta=Decimal("5")
    )
    client = api(role)
    assert [r["id"] for r in client.get(CONTRACTS).json()["results"]] == (
        [contract.pk] if visible else []
    )
    assert [r["id"] for r in client.get(CHANGES).json()["results"]] == (
        [change.pk] if visible else []
    )


def test_a_contract_of_another_team_is_not_found(org, api):
    contract = contract_in(org, "signed")
    rep3 = api("rep3")
    assert rep3.get(f"{CONTRACTS}{contract.pk}/").status_code == 404
    assert rep3.post(f"{CONTRACTS}{contract.pk}/close/", {}, format="json").status_code == 404
    assert rep3.get(f"{CONTRACTS}{contract.pk}/versions/").status_code == 404


# --- Change requests: action on a change in the state it needs ------------------------------------
def _change_in(org, contract, state: str):
    change = services.request_change(
        contract=contract, by=org.rep1, description="More", amount_delta=Decimal("1000")
    )
    if state in ("reviewed", "approved"):
        services.assess_change(change=change, by=org.delivery, fr_assessment="ok")
        services.assess_change(change=change, by=org.solution, sr_assessment="ok")
    if state == "approved":
        services.decide_change(change=change, by=org.manager, approve=True)
    return change


CHANGE_ACTIONS = {
    "retrieve": ("requested", lambda c, url: c.get(url)),
    "assess_fr": (
        "requested",
        lambda c, url: c.post(f"{url}assess/", {"fr_assessment": "ok"}, format="json"),
    ),
    "assess_sr": (
        "requested",
        lambda c, url: c.post(f"{url}assess/", {"sr_assessment": "ok"}, format="json"),
    ),
    "approve": ("reviewed", lambda c, url: c.post(f"{url}approve/", {}, format="json")),
    "reject": (
        "reviewed",
        lambda c, url: c.post(f"{url}reject/", {"comment": "No"}, format="json"),
    ),
    "apply": ("approved", lambda c, url: c.post(f"{url}apply/", {}, format="json")),
}
_CHANGE_HIDDEN = dict.fromkeys(CHANGE_ACTIONS, 404)
_CHANGE_READER = {"retrieve": 200, **{a: 403 for a in CHANGE_ACTIONS if a != "retrieve"}}
_CHANGE_MANAGER = dict.fromkeys(CHANGE_ACTIONS, 200)
CHANGE_EXPECTED = {
    "admin": _CHANGE_MANAGER,
    "manager": _CHANGE_MANAGER,
    "rep1": {**_CHANGE_READER, "apply": 200},
    "rep2": _CHANGE_HIDDEN,
    "rep3": _CHANGE_HIDDEN,
    "solution": {**_CHANGE_READER, "assess_sr": 200},
    "delivery": {**_CHANGE_READER, "assess_fr": 200},
    "finance": _CHANGE_READER,
    "marketing": _CHANGE_HIDDEN,
    "integration": _CHANGE_READER,
}


# --- Quotes ---------------------------------------------------------------------------------------
def _quote(org, discount: str, submitted: bool = False):
    quote = services.create_quote(
        opportunity=signing_deal(org),
        by=org.rep1,
        valid_until=timezone.localdate() + timedelta(days=30),
        price_book=standard_book(),
        lines=[{"product": product_id("LIC"), "quantity": "1", "discount_percent": discount}],
    )
    if submitted:
        quote = services.submit_quote(quote=quote, by=org.rep1)
    return quote


QUOTE_ACTIONS = {
    "retrieve": (("0", False), lambda c, url: c.get(url)),
    "edit": (("0", False), lambda c, url: c.patch(url, {"notes": "n"}, format="json")),
    "submit": (("15", False), lambda c, url: c.post(f"{url}submit/", {}, format="json")),
    "approve": (("15", True), lambda c, url: c.post(f"{url}approve/", {}, format="json")),
    "send": (("0", False), lambda c, url: c.post(f"{url}send/", {}, format="json")),
    "revise": (("0", False), lambda c, url: c.post(f"{url}revise/", {}, format="json")),
}
_QUOTE_HIDDEN = dict.fromkeys(QUOTE_ACTIONS, 404)
_QUOTE_TRIANGLE = {"retrieve": 200, "edit": 200, "submit": 200, "revise": 201}
QUOTE_EXPECTED = {
    "admin": {**_QUOTE_TRIANGLE, "approve": 200, "send": 200},
    "manager": {**_QUOTE_TRIANGLE, "approve": 200, "send": 200},
    "rep1": {**_QUOTE_TRIANGLE, "approve": 403, "send": 200},
    "rep2": _QUOTE_HIDDEN,
    "rep3": _QUOTE_HIDDEN,
    "solution": {**_QUOTE_TRIANGLE, "approve": 403, "send": 403},
    "delivery": {**_QUOTE_TRIANGLE, "approve": 403, "send": 403},
    "finance": _QUOTE_HIDDEN,  # quotes are the deal's, not invoicing's
    "marketing": _QUOTE_HIDDEN,
    "integration": {
        "retrieve": 200,
        **{a: 403 for a in QUOTE_ACTIONS if a != "retrieve"},
    },
}
