"""Quotes and contracts through the API: the SPEC chain from an approved discount to a closed
contract, the payment terms, the contract review with its escalation, signing that wins the deal
atomically, change requests with versions, bad input, and bounded lists."""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ContractState, PaymentTerm
from opportunities import services as deals
from opportunities.models import Opportunity, Stage

from ..billing.steps import collect_in_full
from ..contracts.steps import product_id, standard_book
from ..factories import opportunity

QUOTES = "/api/v1/quotes/"
CONTRACTS = "/api/v1/contracts/"
CHANGES = "/api/v1/change-requests/"


def codes(body) -> set[str]:
    return {item["code"] for item in body["missing"]}


def later(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def terms(*percents, date_last=True) -> list[dict]:
    """Milestones with these percents: the first on signing, the middle on acceptance, the last
    on a date (the warranty's end)."""
    rows = []
    for index, percent in enumerate(percents):
        trigger = "signing" if index == 0 else "acceptance"
        row = {"label": f"Milestone {index + 1}", "percent": str(percent), "trigger": trigger}
        if date_last and index == len(percents) - 1 and index > 0:
            row.update(trigger="date", due_date=later(400))
        rows.append(row)
    return rows


TERMS = terms(30, 60, 10)


def signing_deal(org, amount=Decimal("300000"), owner=None):
    """rep1's deal in the negotiation and signing stage, with solution as SR and delivery as FR."""
    opp = opportunity(owner or org.rep1, amount=amount, stage_code="negotiation")
    return deals.update_opportunity(
        opportunity=opp,
        by=org.manager,
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )


def contract_in(org, state: str, *, opp=None, cost="60%", **fields) -> Contract:
    """A contract of a signing deal brought to ``state`` through the services; its SR enters
    its cost (``cost``, by default 60% of the amount; ``None``: no cost entered)."""
    opp = opp or signing_deal(org)
    amount = fields.pop("amount", Decimal("300000"))
    contract = services.create_contract(
        opportunity=opp, by=org.rep1, amount=amount, payment_terms=TERMS, **fields
    )
    if cost == "60%":
        cost = (Decimal(str(amount)) * Decimal("0.6")).quantize(Decimal("0.01"))
    if cost is not None:
        contract = services.assess_contract_cost(
            contract=contract, by=opp.solution_owner or org.manager, cost_amount=cost
        )
    steps = ["draft", "in_review", "approved", "signed", "executing", "evaluated", "closed"]
    target = steps.index(state)
    if target >= 1:
        contract = services.submit_contract(
            contract=contract, by=org.rep1, relationship_assessment="The CFO signs."
        )
        deals.assess_review(review=contract.review, user=org.solution, solution_assessment="Fits")
        deals.assess_review(
            review=contract.review, user=org.delivery, delivery_assessment="Deliverable"
        )
    if target >= 2:
        contract = services.decide_contract(contract=contract, by=org.manager, approve=True)
        if contract.state == ContractState.IN_REVIEW:  # escalated: a second approver
            contract = services.decide_contract(contract=contract, by=org.admin, approve=True)
    if target >= 3:
        contract = services.sign_contract(contract=contract, by=org.rep1)
    if target >= 4:
        contract = services.accept_contract(contract=contract, by=org.delivery)
    if target >= 5:  # evaluated, and everything invoiced and paid: ready to close
        collect_in_full(contract, org)
        services.record_evaluation(
            contract=contract,
            by=org.rep1,
            profitability="as_planned",
            schedule_kept=True,
            acceptance_smooth=True,
            lessons="Start the FAT earlier.",
            score=4,
        )
    if target >= 6:
        contract = services.close_contract(contract=contract, by=org.rep1)
    return Contract.objects.get(pk=contract.pk)


def contract_body(opp, **extra) -> dict:
    return {
        "opportunity": opp.pk,
        "amount": "300000.00",
        "currency": "CNY",
        "payment_terms": TERMS,
        **extra,
    }


def quote_body(opp, discount="0", **extra) -> dict:
    return {
        "opportunity": opp.pk,
        "valid_until": later(30),
        "price_book": standard_book().pk,
        "lines": [
            {"product": product_id("PLC-9"), "quantity": "2", "discount_percent": discount},
            {"product": product_id("COMM"), "quantity": "1"},
        ],
        **extra,
    }


# --- The SPEC chain end to end ------------------------------------------------------------------
def test_a_deal_goes_from_quote_to_closed_contract_through_the_api(org, api):
    rep1, manager, solution, delivery = (
        api("rep1"),
        api("manager"),
        api("solution"),
        api("delivery"),
    )
    opp = signing_deal(org)

    # A 15% discount is above the 10% threshold: the quote goes to the manager before sending.
    created = rep1.post(QUOTES, quote_body(opp, discount="15"), format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    assert quote["state"] == "draft" and quote["version"] == 1 and quote["number"]
    assert quote["needs_approval"] is True and quote["max_discount"] == "15.00"
    assert quote["subtotal"] == "300000.00"
    assert quote["discount_total"] == "30000.00" and quote["total"] == "270000.00"
    assert [line["amount"] for line in quote["lines"]] == ["170000.00", "100000.00"]
    assert quote["opportunity"] == {"id": opp.pk, "name": opp.name}

    refused = rep1.post(f"{QUOTES}{quote['id']}/send/", {}, format="json")
    assert refused.status_code == 409
    assert "discount_approved" in codes(refused.json())

    submitted = rep1.post(f"{QUOTES}{quote['id']}/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "pending_approval"
    approved = manager.post(f"{QUOTES}{quote['id']}/approve/", {"comment": "ok"}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["approved_by"] == org.manager.pk
    sent = rep1.post(f"{QUOTES}{quote['id']}/send/", {}, format="json")
    assert sent.status_code == 200 and sent.json()["state"] == "sent"
    accepted = rep1.post(f"{QUOTES}{quote['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"

    # The SR enters what the lines cost us: 170,000 against 270,000 quoted.
    costs = [{"position": 1, "unit_cost": "60000"}, {"position": 2, "unit_cost": "50000"}]
    costed = solution.post(f"{QUOTES}{quote['id']}/costs/", {"lines": costs}, format="json")
    assert costed.status_code == 200, costed.content
    assert costed.json()["cost_total"] == "170000.00"
    assert costed.json()["margin_percent"] == "37.04"

    # The contract: 30% on signing, 60% on acceptance, 10% on a date.
    created = rep1.post(CONTRACTS, contract_body(opp, quote=quote["id"]), format="json")
    assert created.status_code == 201, created.content
    contract = created.json()
    url = f"{CONTRACTS}{contract['id']}/"
    assert contract["state"] == "draft" and contract["version"] == 1
    assert contract["number"].startswith("HT-") and contract["title"] == opp.name
    assert contract["opportunity"] == {"id": opp.pk, "name": opp.name}
    assert contract["customer"] == {"id": opp.customer_id, "name": opp.customer.name}
    assert contract["quote"] == quote["id"]
    # It carries the quote's cost; its margin is against its own amount (300,000).
    assert (contract["cost_amount"], contract["cost_source"]) == ("170000.00", "quote")
    assert contract["margin_percent"] == "43.33" and contract["escalation_reasons"] == []
    assert contract["review"] is None and contract["escalated"] is False
    assert contract["evaluation"] is None and contract["signed_on"] is None
    assert [(t["percent"], t["trigger"], t["amount"]) for t in contract["payment_terms"]] == [
        ("30.00", "signing", "90000.00"),
        ("60.00", "acceptance", "180000.00"),
        ("10.00", "date", "30000.00"),
    ]
    # the date sent (TERMS is built when the module is imported: a run that crosses midnight
    # would otherwise compare with the next day's)
    assert contract["payment_terms"][2]["due_date"] == TERMS[2]["due_date"]

    submitted = rep1.post(
        f"{url}submit/", {"relationship_assessment": "The CFO signs."}, format="json"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "in_review"
    review_id = submitted.json()["review"]["id"]
    assert submitted.json()["review"]["state"] == "pending"

    early = manager.post(f"{url}approve/", {}, format="json")
    assert early.status_code == 409  # SR and FR have not assessed yet
    assert {"solution_assessment", "delivery_assessment"} <= codes(early.json())

    sr = solution.post(
        f"/api/v1/reviews/{review_id}/assess/", {"solution_assessment": "Fits"}, format="json"
    )
    assert sr.status_code == 200, sr.content
    fr = delivery.post(
        f"/api/v1/reviews/{review_id}/assess/",
        {"delivery_assessment": "Deliverable in 6 months"},
        format="json",
    )
    assert fr.status_code == 200, fr.content

    approved = manager.post(f"{url}approve/", {"comment": "Go"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["review"]["state"] == "approved"

    signed = rep1.post(f"{url}sign/", {}, format="json")
    assert signed.status_code == 200, signed.content
    assert signed.json()["state"] == "signed"
    assert signed.json()["signed_on"] == timezone.localdate().isoformat()
    deal = rep1.get(f"/api/v1/opportunities/{opp.pk}/").json()
    assert deal["state"] == "won"

    accepted = delivery.post(f"{url}accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "executing" and accepted.json()["accepted_at"]

    assert {m["code"] for m in rep1.get(url).json()["close_missing"]} == {
        "evaluation",
        "contract_invoiced",
    }
    refused = rep1.post(f"{url}close/", {}, format="json")
    assert refused.status_code == 409
    assert codes(refused.json()) == {"evaluation", "contract_invoiced"}

    # Delivered, and every milestone invoiced and paid (the billing API has its own tests).
    collect_in_full(Contract.objects.get(pk=contract["id"]), org)

    evaluation = {
        "profitability": "as_planned",
        "schedule_kept": True,
        "acceptance_smooth": False,
        "lessons": "Plan the site acceptance with the customer's QA.",
        "score": 4,
    }
    evaluated = rep1.post(f"{url}evaluation/", evaluation, format="json")
    assert evaluated.status_code == 200, evaluated.content
    assert evaluated.json()["evaluation"]["score"] == 4
    assert evaluated.json()["evaluation"]["by"] == org.rep1.pk
    assert evaluated.json()["close_missing"] == []

    closed = rep1.post(f"{url}close/", {}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]


# --- Quotes ---------------------------------------------------------------------------------------
def test_a_quote_within_the_threshold_is_sent_directly(org, api):
    rep1 = api("rep1")
    opp = signing_deal(org)
    quote = rep1.post(QUOTES, quote_body(opp, discount="5"), format="json").json()
    assert quote["needs_approval"] is False
    refused = rep1.post(f"{QUOTES}{quote['id']}/submit/", {}, format="json")
    assert refused.status_code == 409 and "needs_approval" in codes(refused.json())
    sent = rep1.post(f"{QUOTES}{quote['id']}/send/", {}, format="json")
    assert sent.status_code == 200 and sent.json()["state"] == "sent"


def test_a_draft_quote_is_edited_and_a_sent_one_is_revised(org, api):
    rep1 = api("rep1")
    opp = signing_deal(org)
    quote = rep1.post(QUOTES, quote_body(opp), format="json").json()
    url = f"{QUOTES}{quote['id']}/"
    lines = [{"product": product_id("LIC"), "quantity": "3"}]
    edited = rep1.patch(url, {"lines": lines, "notes": "Spares only"}, format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["total"] == "3000.00" and edited.json()["notes"] == "Spares only"
    for field in ("state", "version", "number"):
        refused = rep1.patch(url, {field: "x"}, format="json")
        assert refused.status_code == 400 and field in refused.json()

    assert rep1.post(f"{url}send/", {}, format="json").status_code == 200
    refused = rep1.patch(url, {"notes": "too late"}, format="json")
    assert refused.status_code == 409 and "state" in codes(refused.json())

    revised = rep1.post(f"{url}revise/", {"valid_until": later(60)}, format="json")
    assert revised.status_code == 201, revised.content
    assert revised.json()["version"] == 2 and revised.json()["previous"] == quote["id"]
    assert revised.json()["state"] == "draft" and revised.json()["total"] == "3000.00"
    assert rep1.get(url).json()["state"] == "superseded"

    listed = rep1.get(f"{QUOTES}?opportunity={opp.pk}&state=draft").json()["results"]
    assert [q["version"] for q in listed] == [2]


def test_a_refused_discount_needs_a_reason_and_goes_back_to_draft(org, api):
    rep1, manager = api("rep1"), api("manager")
    opp = signing_deal(org)
    quote = rep1.post(QUOTES, quote_body(opp, discount="20"), format="json").json()
    rep1.post(f"{QUOTES}{quote['id']}/submit/", {}, format="json")
    no_reason = manager.post(f"{QUOTES}{quote['id']}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.json()
    rejected = manager.post(
        f"{QUOTES}{quote['id']}/reject/", {"comment": "Too deep"}, format="json"
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "draft"


@pytest.mark.parametrize(
    "line",
    [
        {"description": "x", "quantity": "-1", "unit_price": "10"},
        {"description": "x", "quantity": "1", "unit_price": "-10"},
        {"description": "x", "quantity": "1", "unit_price": "10", "discount_percent": "150"},
        {"description": "x", "quantity": "abc", "unit_price": "10"},
        {"description": "x" * 301, "quantity": "1", "unit_price": "10"},
        {"description": "x", "quantity": "1", "unit_price": "1e20"},
        {"description": "", "quantity": "1", "unit_price": "10"},
    ],
)
def test_bad_quote_lines_are_refused(org, api, line):
    opp = signing_deal(org)
    body = {"opportunity": opp.pk, "valid_until": later(30), "lines": [line]}
    response = api("rep1").post(QUOTES, body, format="json")
    assert response.status_code == 400, response.content
    assert "lines" in response.json()


def test_a_quote_total_beyond_what_money_can_hold_is_refused(org, api):
    opp = signing_deal(org)
    lines = [{"description": "x", "quantity": "1000", "unit_price": "9999999999.00"}] * 20
    body = {"opportunity": opp.pk, "valid_until": later(30), "lines": lines}
    response = api("rep1").post(QUOTES, body, format="json")
    assert response.status_code == 400, response.content


# --- Payment terms --------------------------------------------------------------------------------
@pytest.mark.parametrize("percents", [(30, 50, 10), (30, 70, 10), (100, 10)])
def test_terms_that_do_not_add_up_to_100_are_refused(org, api, percents):
    opp = signing_deal(org)
    response = api("rep1").post(
        CONTRACTS, contract_body(opp, payment_terms=terms(*percents)), format="json"
    )
    assert response.status_code == 400, response.content
    assert "payment_terms" in response.json()
    assert not Contract.objects.filter(opportunity=opp).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "-100"},
        {"amount": "0"},
        {"amount": "abc"},
        {"amount": "1e20"},
        {"margin_percent": "abc"},
        {"margin_percent": "250"},
        {"title": "x" * 201},
        {"schedule": "x" * 5001},
        {"currency": "XYZ"},
        {"payment_terms": []},
        {"payment_terms": "30% now"},
        {"payment_terms": [{"label": "Advance", "percent": "abc", "trigger": "signing"}]},
        {"payment_terms": [{"label": "Advance", "percent": "100", "trigger": "x"}]},
        {"payment_terms": [{"label": "Advance", "percent": "-100", "trigger": "signing"}]},
        {"payment_terms": [{"label": "x" * 201, "percent": "100", "trigger": "signing"}]},
        {"payment_terms": [{"label": "", "percent": "100", "trigger": "signing"}]},
        {"payment_terms": [{"label": "Later", "percent": "100", "trigger": "date"}]},
        {"payment_terms": [{"label": "A", "percent": "100.001", "trigger": "signing"}]},
        {
            "payment_terms": [
                {"label": "A", "percent": "100", "trigger": "signing", "days_to_pay": 9999}
            ]
        },
        {"opportunity": "abc"},
        {"opportunity": 999999},
        {"quote": 999999},
    ],
)
def test_bad_contract_input_is_a_400_and_drafts_nothing(org, api, change):
    opp = signing_deal(org)
    response = api("rep1").post(CONTRACTS, contract_body(opp, **change), format="json")
    assert response.status_code == 400, response.content
    assert set(change) & set(response.json())
    assert not Contract.objects.exists()


def test_malformed_and_unknown_ids_are_404(org, api):
    rep1 = api("rep1")
    for url in (
        f"{CONTRACTS}abc/",
        f"{CONTRACTS}999999/",
        f"{CONTRACTS}abc/sign/",
        f"{CONTRACTS}99999999999999999999999/",
        f"{QUOTES}abc/",
        f"{QUOTES}999999/send/",
        f"{CHANGES}abc/",
        f"{CHANGES}999999/apply/",
    ):
        method = rep1.post if url.count("/") > 5 else rep1.get
        assert method(url, {}, format="json").status_code == 404, url


def test_a_contract_needs_a_deal_in_its_signing_stage(org, api):
    opp = opportunity(org.rep1, stage_code="bidding")
    response = api("rep1").post(CONTRACTS, contract_body(opp), format="json")
    assert response.status_code == 409 and codes(response.json()) == {"signing_stage"}


def test_one_live_contract_per_deal(org, api):
    opp = signing_deal(org)
    assert api("rep1").post(CONTRACTS, contract_body(opp), format="json").status_code == 201
    again = api("rep1").post(CONTRACTS, contract_body(opp), format="json")
    assert again.status_code == 409 and "one_contract" in codes(again.json())


# --- Editing a draft ------------------------------------------------------------------------------
def test_a_draft_contract_is_edited_and_its_terms_replaced(org, api):
    contract = contract_in(org, "draft")
    url = f"{CONTRACTS}{contract.pk}/"
    edited = api("rep1").patch(
        url,
        {"amount": "400000", "payment_terms": terms(50, 50)},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    body = edited.json()
    # The SR's cost (180,000) stays; the margin follows the amount.
    assert body["amount"] == "400000.00" and body["margin_percent"] == "55.00"
    assert [t["amount"] for t in body["payment_terms"]] == ["200000.00", "200000.00"]
    versions = api("rep1").get(f"{url}versions/").json()
    assert [(v["version"], v["amount"]) for v in versions] == [(1, "400000.00")]


@pytest.mark.parametrize("field", ["state", "version", "number", "opportunity", "customer"])
def test_fields_moved_by_actions_are_refused_on_edit(org, api, field):
    contract = contract_in(org, "draft")
    response = api("rep1").patch(f"{CONTRACTS}{contract.pk}/", {field: "signed"}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Contract.objects.get(pk=contract.pk).state == "draft"


def test_bad_terms_on_edit_change_nothing(org, api):
    contract = contract_in(org, "draft")
    response = api("rep1").patch(
        f"{CONTRACTS}{contract.pk}/",
        {"amount": "500000", "payment_terms": terms(30, 60, 20)},
        format="json",
    )
    assert response.status_code == 400 and "payment_terms" in response.json()
    fresh = Contract.objects.get(pk=contract.pk)
    assert fresh.amount == Decimal("300000") and fresh.terms.count() == 3


def test_a_contract_in_review_is_not_edited(org, api):
    contract = contract_in(org, "in_review")
    response = api("rep1").patch(f"{CONTRACTS}{contract.pk}/", {"title": "New"}, format="json")
    assert response.status_code == 409 and codes(response.json()) == {"state"}


# --- Review, escalation, signing ------------------------------------------------------------------
def test_a_contract_is_not_signed_without_an_approved_review(org, api):
    rep1 = api("rep1")
    for state in ("draft", "in_review"):
        contract = contract_in(org, state)
        response = rep1.post(f"{CONTRACTS}{contract.pk}/sign/", {}, format="json")
        assert response.status_code == 409
        assert codes(response.json()) & {"state", "review_approved"}
        assert Contract.objects.get(pk=contract.pk).state == state
        services.cancel_contract(contract=contract, by=org.rep1, reason="next case")


def test_a_rejected_review_sends_the_contract_back_to_draft(org, api):
    contract = contract_in(org, "in_review")
    url = f"{CONTRACTS}{contract.pk}/"
    no_reason = api("manager").post(f"{url}reject/", {}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.json()
    rejected = api("manager").post(f"{url}reject/", {"comment": "Margin too thin"}, format="json")
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["state"] == "draft"
    assert rejected.json()["review"]["state"] == "rejected"


@pytest.mark.parametrize(
    "fields",
    [{"is_risky": True}, {"cost": Decimal("271500")}, {"cost": None}],
    ids=["risky", "thin", "no-cost"],
)
def test_an_escalated_contract_needs_a_second_higher_approver(org, api, fields):
    contract = contract_in(org, "in_review", **fields)
    url = f"{CONTRACTS}{contract.pk}/"
    assert api("rep1").get(url).json()["escalated"] is True

    first = api("manager").post(f"{url}approve/", {"comment": "Fine by me"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "in_review"
    assert first.json()["review"]["first_approved_by"] == org.manager.pk
    assert first.json()["review"]["state"] == "pending"

    again = api("manager").post(f"{url}approve/", {}, format="json")
    assert again.status_code == 403
    assert Contract.objects.get(pk=contract.pk).state == "in_review"

    second = api("admin").post(f"{url}approve/", {}, format="json")
    assert second.status_code == 200, second.content
    assert second.json()["state"] == "approved"
    assert second.json()["review"]["decided_by"] == org.admin.pk


def test_a_healthy_contract_is_not_escalated(org, api):
    contract = contract_in(org, "in_review", cost=Decimal("225000"))
    url = f"{CONTRACTS}{contract.pk}/"
    assert api("rep1").get(url).json()["escalated"] is False
    assert api("manager").post(f"{url}approve/", {}, format="json").json()["state"] == "approved"


@pytest.mark.parametrize(
    "closing",
    [{"state": "lost"}, {"state": "abandoned"}, {"stage": "bidding"}],
    ids=["lost", "abandoned", "left_signing_stage"],
)
def test_signing_fails_whole_when_the_deal_cannot_be_won(org, api, closing):
    contract = contract_in(org, "approved")
    if "stage" in closing:
        opp = contract.opportunity
        closing = {"stage": Stage.objects.get(process=opp.process, code=closing["stage"])}
    Opportunity.objects.filter(pk=contract.opportunity_id).update(**closing)
    before = Opportunity.objects.values().get(pk=contract.opportunity_id)

    response = api("rep1").post(f"{CONTRACTS}{contract.pk}/sign/", {}, format="json")
    assert response.status_code == 409, response.content
    assert codes(response.json()) & {"state", "signing_stage"}
    fresh = Contract.objects.get(pk=contract.pk)
    assert fresh.state == "approved" and fresh.signed_on is None
    assert Opportunity.objects.values().get(pk=contract.opportunity_id) == before


def test_a_signing_date_in_the_future_is_refused(org, api):
    contract = contract_in(org, "approved")
    response = api("rep1").post(
        f"{CONTRACTS}{contract.pk}/sign/", {"signed_on": later(3)}, format="json"
    )
    assert response.status_code == 400 and "signed_on" in response.json()
    assert Contract.objects.get(pk=contract.pk).state == "approved"


def test_cancelling_needs_a_reason_and_closes_the_pending_review(org, api):
    contract = contract_in(org, "in_review")
    url = f"{CONTRACTS}{contract.pk}/"
    assert api("rep1").post(f"{url}cancel/", {}, format="json").status_code == 400
    cancelled = api("rep1").post(f"{url}cancel/", {"reason": "Budget frozen"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["review"]["state"] == "rejected"


def test_a_signed_contract_is_not_cancelled(org, api):
    contract = contract_in(org, "signed")
    response = api("rep1").post(
        f"{CONTRACTS}{contract.pk}/cancel/", {"reason": "Changed our mind"}, format="json"
    )
    assert response.status_code == 409 and codes(response.json()) == {"state"}


@pytest.mark.parametrize(
    "change",
    [
        {"score": 0},
        {"score": 6},
        {"score": "abc"},
        {"profitability": "great"},
        {"lessons": ""},
        {"lessons": "x" * 10001},
    ],
)
def test_bad_evaluations_are_refused(org, api, change):
    contract = contract_in(org, "executing")
    body = {
        "profitability": "below",
        "schedule_kept": False,
        "acceptance_smooth": True,
        "lessons": "Late parts.",
        "score": 2,
        **change,
    }
    response = api("rep1").post(f"{CONTRACTS}{contract.pk}/evaluation/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(change) & set(response.json())


# --- Change requests ------------------------------------------------------------------------------
def test_a_change_request_makes_a_new_contract_version(org, api):
    rep1, manager = api("rep1"), api("manager")
    contract = contract_in(org, "executing")
    url = f"{CONTRACTS}{contract.pk}/"

    requested = rep1.post(
        f"{url}changes/",
        {"description": "Add a second line controller", "amount_delta": "50000"},
        format="json",
    )
    assert requested.status_code == 201, requested.content
    change = requested.json()
    assert change["state"] == "requested" and change["amount_delta"] == "50000.00"
    assert change["contract"] == contract.pk
    change_url = f"{CHANGES}{change['id']}/"

    early = manager.post(f"{change_url}approve/", {}, format="json")
    assert early.status_code == 409

    fr = api("delivery").post(
        f"{change_url}assess/", {"fr_assessment": "Two more weeks, cost ok"}, format="json"
    )
    assert fr.status_code == 200 and fr.json()["state"] == "requested"
    sr = api("solution").post(
        f"{change_url}assess/", {"sr_assessment": "Same firmware"}, format="json"
    )
    assert sr.status_code == 200 and sr.json()["state"] == "reviewed"

    assert rep1.post(f"{change_url}approve/", {}, format="json").status_code == 403
    approved = manager.post(f"{change_url}approve/", {"comment": "Go"}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"

    applied = rep1.post(f"{change_url}apply/", {}, format="json")
    assert applied.status_code == 200, applied.content
    assert applied.json()["version"] == 2 and applied.json()["amount"] == "350000.00"
    assert [t["amount"] for t in applied.json()["payment_terms"]] == [
        "105000.00",
        "210000.00",
        "35000.00",
    ]
    assert rep1.get(change_url).json()["state"] == "applied"
    assert rep1.get(change_url).json()["resulting_version"] == 2

    versions = rep1.get(f"{url}versions/").json()
    assert [(v["version"], v["amount"]) for v in versions] == [
        (1, "300000.00"),
        (2, "350000.00"),
    ]
    assert [c["id"] for c in rep1.get(f"{url}changes/").json()] == [change["id"]]
    listed = rep1.get(f"{CHANGES}?contract={contract.pk}&state=applied").json()["results"]
    assert [c["id"] for c in listed] == [change["id"]]


def test_a_change_request_may_replace_the_terms(org, api):
    contract = contract_in(org, "signed")
    change = api("rep1").post(
        f"{CONTRACTS}{contract.pk}/changes/",
        {"description": "Two milestones", "new_terms": terms(40, 60, date_last=False)},
        format="json",
    )
    assert change.status_code == 201, change.content
    change_id = change.json()["id"]
    api("delivery").post(f"{CHANGES}{change_id}/assess/", {"fr_assessment": "ok"}, format="json")
    api("solution").post(f"{CHANGES}{change_id}/assess/", {"sr_assessment": "ok"}, format="json")
    api("manager").post(f"{CHANGES}{change_id}/approve/", {}, format="json")
    applied = api("rep1").post(f"{CHANGES}{change_id}/apply/", {}, format="json")
    assert applied.status_code == 200, applied.content
    assert [t["percent"] for t in applied.json()["payment_terms"]] == ["40.00", "60.00"]
    versions = api("rep1").get(f"{CONTRACTS}{contract.pk}/versions/").json()
    assert [len(v["terms"]) for v in versions] == [3, 2]


@pytest.mark.parametrize(
    "body",
    [
        {"description": "", "amount_delta": "100"},
        {"description": "Less", "amount_delta": "-300000"},
        {"description": "Nothing"},
        {"description": "Huge", "amount_delta": "1e20"},
        {"description": "Bad", "amount_delta": "abc"},
        {"description": "Terms", "new_terms": terms(30, 30)},
        {"description": "Terms", "new_terms": [{"label": "A", "percent": "x", "trigger": "date"}]},
        {"description": "x" * 5001, "amount_delta": "100"},
    ],
)
def test_bad_change_requests_are_refused(org, api, body):
    contract = contract_in(org, "signed")
    response = api("rep1").post(f"{CONTRACTS}{contract.pk}/changes/", body, format="json")
    assert response.status_code == 400, response.content
    assert not contract.changes.exists()


def test_a_draft_contract_changes_by_edit_not_by_change_request(org, api):
    contract = contract_in(org, "draft")
    response = api("rep1").post(
        f"{CONTRACTS}{contract.pk}/changes/", {"description": "More", "amount_delta": "1"}
    )
    assert response.status_code == 409 and codes(response.json()) == {"state"}


def test_a_rejected_change_is_not_applied(org, api):
    contract = contract_in(org, "signed")
    change = services.request_change(
        contract=contract, by=org.rep1, description="More", amount_delta=Decimal("10")
    )
    rejected = api("manager").post(
        f"{CHANGES}{change.pk}/reject/", {"comment": "Not now"}, format="json"
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    refused = api("rep1").post(f"{CHANGES}{change.pk}/apply/", {}, format="json")
    assert refused.status_code == 409
    assert Contract.objects.get(pk=contract.pk).version == 1


# --- Lists: filters and bounded queries -----------------------------------------------------------
def test_contract_filters(org, api):
    first = contract_in(org, "draft", title="Line 3 automation", amount=Decimal("500000"))
    second = contract_in(org, "signed", title="Warehouse robots")
    rep1 = api("rep1")

    def ids(query: str) -> list[int]:
        response = rep1.get(f"{CONTRACTS}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [second.pk, first.pk]
    assert ids("state=draft") == [first.pk]
    assert ids("state=draft&state=signed") == [second.pk, first.pk]
    assert ids(f"opportunity={second.opportunity_id}") == [second.pk]
    assert ids(f"customer={first.customer_id}") == [first.pk]
    assert ids(f"owner={org.rep1.pk}") == [second.pk, first.pk]
    assert ids(f"owner={org.rep2.pk}") == []
    assert ids("q=robots") == [second.pk]
    assert ids(f"q={first.number}") == [first.pk]
    assert ids("ordering=amount") == [second.pk, first.pk]
    assert rep1.get(f"{CONTRACTS}?state=nonsense").status_code == 400
    # The AR by name (what the page's box sends) or by id; a number no id can be is refused.
    assert ids(f"owner={org.rep1.username}") == [second.pk, first.pk]
    assert ids("owner=nobody-by-that-name") == []
    assert rep1.get(f"{CONTRACTS}?owner=-1").status_code == 400


def _many_contracts(org, count: int) -> None:
    """``count`` contracts of rep1's deals in assorted states, made in bulk."""
    template = signing_deal(org)
    seed = contract_in(org, "executing", opp=template)
    services.record_evaluation(
        contract=seed,
        by=org.rep1,
        profitability="above",
        schedule_kept=True,
        acceptance_smooth=True,
        lessons="ok",
        score=5,
    )
    deals_ = []
    for _ in range(count - 1):
        clone = copy.copy(template)
        clone.pk = clone.id = None
        deals_.append(clone)
    deals_ = Opportunity.objects.bulk_create(deals_)
    states = [ContractState.DRAFT, ContractState.APPROVED, ContractState.SIGNED]
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                number=f"HT-BULK-{i:05d}",
                title=f"Bulk {i}",
                opportunity=deal,
                customer_id=deal.customer_id,
                amount=Decimal("1000"),
                state=states[i % 3],
                review_id=seed.review_id if i % 2 else None,
                created_by=org.rep1,
            )
            for i, deal in enumerate(deals_)
        ]
    )
    PaymentTerm.objects.bulk_create(
        [
            PaymentTerm(
                contract=c, position=p, label=f"M{p}", percent=Decimal(50), trigger="signing"
            )
            for c in contracts
            for p in (1, 2)
        ]
    )


@pytest.mark.parametrize("role", ["rep1", "manager", "finance", "admin"])
@pytest.mark.parametrize("count", [5, 200])
def test_the_contract_list_runs_a_bounded_number_of_queries(
    org, api, role, count, django_assert_max_num_queries
):
    _many_contracts(org, count)
    client = api(role)
    # token, the team tree, COUNT(*), the page with its joins, the payment terms
    with django_assert_max_num_queries(5):
        response = client.get(f"{CONTRACTS}?page_size=200")
    assert response.status_code == 200
    assert response.json()["count"] == count
    assert all(len(row["payment_terms"]) >= 2 for row in response.json()["results"])


@pytest.mark.parametrize("count", [5, 60])
def test_the_quote_list_runs_a_bounded_number_of_queries(
    org, api, count, django_assert_max_num_queries
):
    opp = signing_deal(org)
    for _ in range(count):
        services.create_quote(
            opportunity=opp,
            by=org.rep1,
            valid_until=timezone.localdate() + timedelta(days=5),
            lines=[{"description": "x", "quantity": "1", "unit_price": "10"}],
        )
    client = api("manager")
    # token, the team tree, COUNT(*), the page with its deal, the lines
    with django_assert_max_num_queries(5):
        response = client.get(f"{QUOTES}?page_size=200")
    assert response.status_code == 200 and response.json()["count"] == count
