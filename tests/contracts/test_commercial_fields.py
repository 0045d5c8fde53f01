"""Issue 15, part 4: commercial inputs come from the people who own them.

The rep (AR) may not type the margin (it is computed from costs), may not enter the costs (the
deal's SR, finance or a manager do), and may raise a risk but never clear one (the SR, the FR or
a manager does, with a reason). Each way around it is tried: the service, the API, the browser's
forms and the admin. The field table (``contracts.fields``) is tested as role × field × action."""

from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import fields as commercial_fields
from contracts import services
from contracts.admin import ContractAdmin
from contracts.models import Contract, ContractState, QuoteLine
from ltc.activity.services import transitions_of
from ltc.core.errors import NotAllowed, TransitionRefused
from ltc.org.models import Role

from ..factories import UserFactory
from .steps import AMOUNT, LINES, TERMS, TODAY, draft, fresh, set_policy, signing_deal

CONTRACTS = "/api/v1/contracts/"
QUOTES = "/api/v1/quotes/"


def refused_fields(response) -> set[str]:
    return {item["code"] for item in response.json()["missing"]}


# The contract form's payment terms: one milestone of 100% on signing.
ONE_TERM = {
    "terms-TOTAL_FORMS": "1",
    "terms-INITIAL_FORMS": "0",
    "terms-MIN_NUM_FORMS": "0",
    "terms-MAX_NUM_FORMS": "1000",
    "terms-0-label": "All",
    "terms-0-percent": "100",
    "terms-0-trigger": "signing",
    "terms-0-days_to_pay": "30",
}


def api_terms():
    return [{**term, "percent": str(term["percent"])} for term in TERMS]


# The table, role × field × action --------------------------------------------------------------
# Each action: (field, the value the contract or quote line holds, the value given).
ACTIONS = {
    "amount": ("contract", "amount", AMOUNT, Decimal("350000")),
    "currency": ("contract", "currency", "CNY", "USD"),
    "payment_terms": ("contract", "payment_terms", None, TERMS),
    "cost": ("contract", "cost_amount", None, Decimal("200000")),
    "margin": ("contract", "margin_percent", None, Decimal("40")),
    "raise_risk": ("contract", "is_risky", False, True),
    "clear_risk": ("contract", "is_risky", True, False),
    "write_cost_risk": ("contract", "cost_risk", "", "Steel prices"),
    "add_to_cost_risk": ("contract", "cost_risk", "Steel prices", "Steel prices; the crane"),
    "rewrite_cost_risk": ("contract", "cost_risk", "Steel prices", "Nothing serious"),
    "unit_price": ("line", "unit_price", Decimal("1000"), Decimal("900")),
    "discount": ("line", "discount_percent", Decimal("0"), Decimal("5")),
    "unit_cost": ("line", "unit_cost", None, Decimal("600")),
}
ROLES = ["rep1", "solution", "delivery", "manager", "finance", "rep2", "admin"]
_ = False
Y = True
#                     AR    SR    FR    mgr   fin   rep2  admin
EXPECTED = {
    "amount": [Y, _, _, Y, _, _, Y],
    "currency": [Y, _, _, Y, _, _, Y],
    "payment_terms": [Y, _, _, Y, _, _, Y],
    "cost": [_, Y, _, Y, Y, _, Y],
    "margin": [_, _, _, _, _, _, _],  # computed from the costs: nobody types it
    "raise_risk": [Y, Y, Y, Y, _, _, Y],
    "clear_risk": [_, Y, Y, Y, _, _, Y],
    "write_cost_risk": [Y, Y, Y, Y, _, _, Y],
    "add_to_cost_risk": [Y, Y, Y, Y, _, _, Y],
    "rewrite_cost_risk": [_, Y, Y, Y, _, _, Y],
    "unit_price": [Y, Y, _, Y, _, _, Y],
    "discount": [Y, Y, _, Y, _, _, Y],
    "unit_cost": [_, Y, _, Y, Y, _, Y],
}
assert set(EXPECTED) == set(ACTIONS)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_set_each_commercial_field(org, deal, role, action):
    target_kind, field, now, value = ACTIONS[action]
    target = Contract(opportunity=deal) if target_kind == "contract" else None
    if target is None:
        quote = services.create_quote(opportunity=deal, by=org.rep1, valid_until=TODAY, lines=LINES)
        target = QuoteLine(quote=quote)
    expected = EXPECTED[action][ROLES.index(role)]
    allowed = commercial_fields.may_set(org.user(role), target, field, value, current=now)
    assert allowed is expected
    # Giving a field the value it already has needs no right (forms post every field).
    assert commercial_fields.may_set(org.user(role), target, field, now, current=now)


def test_a_manager_who_is_the_deals_ar_neither_enters_its_costs_nor_clears_its_risks(org):
    own = signing_deal(org.manager, solution=org.solution)
    contract = Contract(opportunity=own)
    assert not commercial_fields.may_set(org.manager, contract, "cost_amount", Decimal("1"))
    assert not commercial_fields.may_set(org.manager, contract, "is_risky", False, current=True)
    # Their own manager does.
    director = UserFactory(username="director", role=Role.MANAGER, team=org.region)
    org.region.leader = director
    org.region.save()
    assert commercial_fields.may_set(director, contract, "cost_amount", Decimal("1"))


def test_the_table_covers_every_field_a_draft_contract_is_written_with():
    assert set(services.EDITABLE_FIELDS) | {"payment_terms"} == set(
        commercial_fields.fields_of(commercial_fields.CONTRACT)
    )
    for field in ("amount", "currency", "cost_amount", "margin_percent", "is_risky", "cost_risk"):
        assert (commercial_fields.CONTRACT, field) in commercial_fields.RULES
    for field in ("unit_price", "discount_percent", "unit_cost"):
        assert (commercial_fields.QUOTE_LINE, field) in commercial_fields.RULES


# The margin comes from costs ---------------------------------------------------------------------
def test_a_rep_setting_the_margin_through_the_api_is_refused(org, deal, api):
    rep = api("rep1")
    body = {"opportunity": deal.pk, "amount": "300000", "payment_terms": api_terms()}

    typed = rep.post(CONTRACTS, {**body, "margin_percent": "45"}, format="json")
    assert typed.status_code == 400 and "margin_percent" in typed.json()
    costed = rep.post(CONTRACTS, {**body, "cost_amount": "1"}, format="json")
    assert costed.status_code == 403 and refused_fields(costed) == {"cost_amount"}
    assert not Contract.objects.exists()

    contract = draft(deal, org.rep1, cost=None)
    url = f"{CONTRACTS}{contract.pk}/"
    typed = rep.patch(url, {"margin_percent": "45"}, format="json")
    assert typed.status_code == 400 and "margin_percent" in typed.json()
    costed = rep.patch(url, {"cost_amount": "1", "amount": "310000"}, format="json")
    assert costed.status_code == 403 and refused_fields(costed) == {"cost_amount"}
    assert costed.json()["missing"][0]["label"]  # who sets it instead, in the user's language
    assert rep.post(f"{url}costs/", {"cost_amount": "1"}, format="json").status_code == 403
    contract = fresh(contract)
    assert (contract.cost_amount, contract.margin_percent, contract.amount) == (None, None, AMOUNT)


def test_a_rep_setting_the_margin_or_the_cost_through_the_form_is_ignored_or_refused(
    org, deal, browser_as
):
    rep = browser_as("rep1")
    form = rep.get(reverse("contracts:contract_create", args=[deal.pk])).context["form"]
    assert "margin_percent" not in form.fields
    assert form.fields["cost_amount"].disabled and form.fields["cost_note"].disabled
    data = {
        "title": "CNC line",
        "amount": "300000",
        "currency": "CNY",
        "margin_percent": "45",  # no such field: ignored
        "cost_amount": "1",  # disabled for the rep: ignored
        **ONE_TERM,
    }
    assert rep.post(reverse("contracts:contract_create", args=[deal.pk]), data).status_code == 302
    contract = Contract.objects.get()
    assert (contract.cost_amount, contract.margin_percent) == (None, None)

    rep.post(reverse("contracts:contract_costs", args=[contract.pk]), {"cost_amount": "1"})
    assert fresh(contract).cost_amount is None
    page = rep.get(reverse("contracts:contract_detail", args=[contract.pk]))
    assert page.context["cost_form"] is None
    assert [r.code for r in page.context["escalation_reasons"]] == ["margin_unknown"]


def test_the_sr_finance_and_a_manager_enter_costs_and_the_margin_follows(org, deal, api):
    contract = draft(deal, org.rep1, cost=None)
    url = f"{CONTRACTS}{contract.pk}/"

    by_sr = api("solution").post(
        f"{url}costs/", {"cost_amount": "240000", "note": "BOM v3"}, format="json"
    )
    assert by_sr.status_code == 200, by_sr.content
    body = by_sr.json()
    assert (body["cost_amount"], body["margin_percent"], body["cost_source"]) == (
        "240000.00",
        "20.00",
        "assessment",
    )
    assert body["cost_by"] == org.solution.pk and body["cost_note"] == "BOM v3"

    by_finance = api("finance").post(f"{url}costs/", {"cost_amount": "255000"}, format="json")
    assert by_finance.status_code == 200 and by_finance.json()["margin_percent"] == "15.00"

    by_manager = api("manager").patch(url, {"cost_amount": "150000"}, format="json")
    assert by_manager.status_code == 200 and by_manager.json()["margin_percent"] == "50.00"
    assert fresh(contract).cost_by == org.manager

    # The FR judges deliverability, not cost.
    assert (
        api("delivery").post(f"{url}costs/", {"cost_amount": "1"}, format="json").status_code == 403
    )


def test_costs_are_entered_on_a_draft_only(org, deal):
    contract = services.submit_contract(contract=draft(deal, org.rep1), by=org.rep1)
    with pytest.raises(TransitionRefused):
        services.assess_contract_cost(contract=contract, by=org.solution, cost_amount=Decimal("1"))
    assert fresh(contract).cost_amount == AMOUNT * Decimal("0.6")


@pytest.mark.parametrize("typed_margin", ["45", "90"])
def test_costs_under_the_floor_escalate_whatever_the_rep_types(org, deal, api, typed_margin):
    set_policy(margin_floor=Decimal("15"))
    contract = draft(deal, org.rep1, cost=None)
    url = f"{CONTRACTS}{contract.pk}/"
    # The SR's costs leave 10%.
    services.assess_contract_cost(contract=contract, by=org.solution, cost_amount=Decimal("270000"))
    rep = api("rep1")
    assert rep.patch(url, {"margin_percent": typed_margin}, format="json").status_code == 400
    assert rep.patch(url, {"cost_amount": "1000"}, format="json").status_code == 403
    assert rep.patch(url, {"cost_note": "ignore the costs"}, format="json").status_code == 403

    submitted = rep.post(f"{url}submit/", {"relationship_assessment": "ok"}, format="json")

    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["escalated"] is True
    review = fresh(contract).review
    assert review.needs_second_approval
    assert review.details["escalated_because"] == ["margin_below_floor"]
    assert review.details["margin_percent"] == "10.00"


def test_a_contract_without_costs_is_escalated_not_waved_through(org, deal):
    contract = services.submit_contract(contract=draft(deal, org.rep1, cost=None), by=org.rep1)

    review = fresh(contract).review
    assert review.needs_second_approval
    assert review.details["escalated_because"] == ["margin_unknown"]
    assert review.details["margin_percent"] is None


def test_a_margin_typed_before_costs_were_owned_is_not_trusted(org, deal):
    contract = draft(deal, org.rep1, cost=None)
    # As the migration leaves a margin the rep typed: a cost marked "typed".
    Contract.objects.filter(pk=contract.pk).update(cost_amount=Decimal("1000"), cost_source="typed")

    contract = fresh(contract)
    assert contract.margin_percent > 99 and not contract.margin_is_known
    assert [r.code for r in services.escalation_reasons(contract)] == ["margin_unknown"]


# Quotes: unit costs and the margin -----------------------------------------------------------------
def _quote(deal, by):
    return services.create_quote(opportunity=deal, by=by, valid_until=TODAY, lines=LINES)


def test_the_sr_enters_the_quotes_unit_costs_and_the_quote_shows_its_margin(
    org, deal, api, browser_as
):
    quote = _quote(deal, org.rep1)  # 2 × 1,000 + 500 − 5% = 2,475
    assert (quote.cost_total, quote.margin_percent) == (None, None)

    costed = api("solution").post(
        f"{QUOTES}{quote.pk}/costs/",
        {"lines": [{"position": 1, "unit_cost": "600"}, {"position": 2, "unit_cost": "300"}]},
        format="json",
    )

    assert costed.status_code == 200, costed.content
    body = costed.json()
    assert (body["cost_total"], body["margin_percent"]) == ("1500.00", "39.39")
    assert [line["unit_cost"] for line in body["lines"]] == ["600.00", "300.00"]
    assert body["costs_by"] == org.solution.pk
    page = browser_as("rep1").get(reverse("contracts:quote_detail", args=[quote.pk]))
    assert "39.39%" in page.content.decode()
    assert page.context["costs_form"] is None  # the rep reads the costs, never enters them


def test_a_rep_never_enters_a_quotes_unit_costs(org, deal, api, browser_as):
    quote = _quote(deal, org.rep1)
    rep = api("rep1")

    direct = rep.post(
        f"{QUOTES}{quote.pk}/costs/", {"lines": [{"position": 1, "unit_cost": "1"}]}, format="json"
    )
    assert direct.status_code == 403 and refused_fields(direct) == {"unit_cost"}
    lines = [{**line, "unit_cost": "1"} for line in LINES]
    in_lines = rep.patch(f"{QUOTES}{quote.pk}/", {"lines": lines}, format="json")
    assert in_lines.status_code == 403 and refused_fields(in_lines) == {"unit_cost"}
    in_new = rep.post(
        QUOTES,
        {"opportunity": deal.pk, "valid_until": TODAY.isoformat(), "lines": lines},
        format="json",
    )
    assert in_new.status_code == 403
    browser_as("rep1").post(reverse("contracts:quote_costs", args=[quote.pk]), {"cost-1": "1"})
    assert not QuoteLine.objects.filter(unit_cost__isnull=False).exists()
    assert fresh(quote).cost_total is None


def test_a_line_that_stays_keeps_its_cost_when_the_rep_edits_or_revises(org, deal):
    quote = _quote(deal, org.rep1)
    services.set_quote_costs(
        quote=quote,
        by=org.solution,
        costs=[{"position": 1, "unit_cost": "600"}, {"position": 2, "unit_cost": "300"}],
    )
    # The rep raises the price of line 1 and rewrites line 2: line 2 waits for a new cost.
    lines = [
        {**LINES[0], "unit_price": "1200"},
        {**LINES[1], "description": "Installation and training"},
    ]
    edited = services.update_quote(quote=quote, by=org.rep1, lines=lines)
    assert [line.unit_cost for line in edited.lines.all()] == [Decimal("600.00"), None]
    assert edited.cost_total is None

    services.set_quote_costs(
        quote=edited, by=org.manager, costs=[{"position": 2, "unit_cost": "400"}]
    )
    revised = services.revise_quote(quote=fresh(edited), by=org.rep1)
    assert [line.unit_cost for line in revised.lines.all()] == [
        Decimal("600.00"),
        Decimal("400.00"),
    ]
    assert revised.cost_total == Decimal("1600.00") and revised.costs_by == org.manager


def test_a_contract_drafted_from_a_costed_quote_carries_its_costs(org, deal):
    quote = _quote(deal, org.rep1)
    services.set_quote_costs(
        quote=quote,
        by=org.solution,
        costs=[{"position": 1, "unit_cost": "600"}, {"position": 2, "unit_cost": "300"}],
    )

    contract = draft(deal, org.rep1, quote=fresh(quote), amount="3000")

    assert (contract.cost_amount, contract.cost_source) == (Decimal("1500.00"), "quote")
    assert (contract.cost_by, contract.margin_percent) == (org.solution, Decimal("50.00"))
    assert contract.margin_is_known and not services.is_escalated(contract)


# Risks: raised by anyone of the triangle, cleared by their owners --------------------------------
def test_a_rep_raises_a_risk_but_clearing_it_is_refused_through_the_api(org, deal, api):
    rep = api("rep1")
    contract = draft(deal, org.rep1)
    url = f"{CONTRACTS}{contract.pk}/"
    raised = rep.patch(url, {"is_risky": True, "cost_risk": "Steel prices"}, format="json")
    assert raised.status_code == 200 and raised.json()["is_risky"] is True

    cleared = rep.patch(url, {"is_risky": False, "risk_cleared_reason": "fine"}, format="json")
    assert cleared.status_code == 403 and refused_fields(cleared) == {"is_risky"}
    rewritten = rep.patch(url, {"cost_risk": ""}, format="json")
    assert rewritten.status_code == 403 and refused_fields(rewritten) == {"cost_risk"}
    action = rep.post(f"{url}clear-risk/", {"reason": "fine"}, format="json")
    assert action.status_code == 403
    contract = fresh(contract)
    assert (contract.is_risky, contract.cost_risk) == (True, "Steel prices")
    # Adding to what is written is still raising.
    added = rep.patch(url, {"cost_risk": "Steel prices; the crane"}, format="json")
    assert added.status_code == 200


def test_a_rep_clearing_a_risk_through_the_form_is_refused(org, deal, browser_as):
    contract = draft(deal, org.rep1, is_risky=True, cost_risk="Steel prices")
    rep = browser_as("rep1")
    edit = reverse("contracts:contract_edit", args=[contract.pk])
    form = rep.get(edit).context["form"]
    assert form.fields["is_risky"].disabled and "risk_cleared_reason" not in form.fields
    data = {
        "title": contract.title,
        "amount": "300000",
        "currency": "CNY",
        "cost_risk": "Steel prices",
        # is_risky left unticked: the disabled box keeps the flag
        **ONE_TERM,
    }
    assert rep.post(edit, data).status_code == 302
    assert fresh(contract).is_risky is True

    rewritten = rep.post(edit, {**data, "cost_risk": "Nothing"})
    assert rewritten.status_code == 200  # the form again, the refusal next to the field
    assert "cost_risk" in rewritten.context["form"].errors
    assert fresh(contract).cost_risk == "Steel prices"

    rep.post(reverse("contracts:contract_clear_risk", args=[contract.pk]), {"reason": "fine"})
    assert fresh(contract).is_risky is True
    page = rep.get(reverse("contracts:contract_detail", args=[contract.pk]))
    assert page.context["clear_risk_form"] is None


def test_the_fr_clears_a_risk_with_a_reason_and_who_and_why_are_kept(org, deal, api, browser_as):
    contract = draft(deal, org.rep1, is_risky=True)
    url = f"{CONTRACTS}{contract.pk}/"
    fr = api("delivery")

    assert fr.post(f"{url}clear-risk/", {}, format="json").status_code == 400
    cleared = fr.post(f"{url}clear-risk/", {"reason": "Crane booked"}, format="json")

    assert cleared.status_code == 200, cleared.content
    body = cleared.json()
    assert body["is_risky"] is False and body["risk_cleared_by"] == org.delivery.pk
    assert body["risk_cleared_reason"] == "Crane booked" and body["risk_cleared_at"]
    logged = transitions_of(fresh(contract))
    assert [(t.transition, t.actor, t.comment) for t in logged][:1] == [
        ("clear_risk", org.delivery, "Crane booked")
    ]
    # The SR clears one through the page.
    contract = draft(signing_deal(org.rep1, solution=org.solution), org.rep1, is_risky=True)
    browser_as("solution").post(
        reverse("contracts:contract_clear_risk", args=[contract.pk]), {"reason": "Scope frozen"}
    )
    assert (fresh(contract).is_risky, fresh(contract).risk_cleared_by) == (False, org.solution)


def test_clearing_a_risk_needs_a_reason_and_a_risky_draft(org, deal):
    contract = draft(deal, org.rep1, is_risky=True)
    with pytest.raises(NotAllowed):
        services.clear_contract_risk(contract=contract, by=org.rep1, reason="trust me")
    services.clear_contract_risk(contract=contract, by=org.manager, reason="Priced in")
    with pytest.raises(TransitionRefused):
        services.clear_contract_risk(contract=contract, by=org.manager, reason="again")


# The admin reads the same table ----------------------------------------------------------------
def _admin_request(rf, user):
    request = rf.get("/admin/")
    request.user = user
    return request


def test_the_admin_makes_what_a_user_may_not_set_read_only(org, deal, rf):
    from django.contrib.admin.sites import site

    admin = ContractAdmin(Contract, site)
    contract = draft(deal, org.rep1, is_risky=True)
    as_rep = admin.get_readonly_fields(_admin_request(rf, org.rep1), contract)
    assert {"state", "cost_amount", "cost_note", "margin", "is_risky"} <= set(as_rep)
    assert "amount" not in as_rep and "risk_cleared_reason" in as_rep
    as_manager = admin.get_readonly_fields(_admin_request(rf, org.manager), contract)
    assert {"state", "margin"} <= set(as_manager)
    assert not {"cost_amount", "is_risky", "amount", "risk_cleared_reason"} & set(as_manager)
    Contract.objects.filter(pk=contract.pk).update(state=ContractState.SIGNED)
    signed = admin.get_readonly_fields(_admin_request(rf, org.admin), fresh(contract))
    assert {"amount", "cost_amount", "is_risky"} <= set(signed)


def test_an_admin_change_goes_through_the_same_rule(org, deal, client):
    contract = draft(deal, org.rep1, is_risky=True)
    client.force_login(org.admin)
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(is_risky="", risk_cleared_reason="")
    data = {k: v for k, v in data.items() if k != "is_risky"}

    refused = client.post(url, data)  # clearing without a reason
    assert refused.status_code == 200
    assert fresh(contract).is_risky is True

    client.post(url, {**data, "risk_cleared_reason": "Checked by the board"})
    contract = fresh(contract)
    assert (contract.is_risky, contract.risk_cleared_by) == (False, org.admin)
    assert contract.risk_cleared_reason == "Checked by the board"
