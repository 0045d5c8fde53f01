"""The quote and contract pages in the browser: each role sees what its scope allows, every change
goes through the forms and the services, refusals list what is missing, and the list and the
approvals inbox run a bounded number of queries."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import ChangeRequest, Contract, ContractState, Quote, QuoteState
from opportunities import services as deals
from opportunities.models import OpportunityState

from ..billing.steps import collect_in_full
from ..conftest import ROLES
from ..contracts.steps import product_id, standard_book
from ..factories import opportunity
from ..pages import deal_page, walk
from ..profiles import FULL

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# rep1's deal with "solution" as SR and "delivery" as FR: the triangle, the manager of team 1 and
# the company-wide roles see it; finance sees its contract (not its quotes); others get a 404.
SEES_THE_DEAL = {"admin", "manager", "rep1", "solution", "delivery", "integration"}
SEES_THE_CONTRACT = SEES_THE_DEAL | {"finance"}
TERMS = [
    {"label": "Advance", "percent": "30", "trigger": "signing"},
    {"label": "Acceptance", "percent": "60", "trigger": "acceptance"},
    {"label": "Warranty", "percent": "10", "trigger": "date"},
]


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _signing_deal(org, owner=None, **fields):
    owner = owner or org.rep1
    deal = opportunity(owner, stage_code="negotiation", **fields)
    return deals.update_opportunity(
        opportunity=deal, by=owner, solution_owner=org.solution, fulfillment_owner=org.delivery
    )


@pytest.fixture
def deal(org):
    return _signing_deal(org, name="CNC line")


def _quote_data(lines, valid_until=None, currency="CNY", extra_blank=1) -> dict:
    valid_until = valid_until or timezone.localdate() + timedelta(days=30)
    data = {
        "valid_until": valid_until.isoformat(),
        "currency": currency,
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines) + extra_blank),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value
    return data


def _terms_data(terms, **fields) -> dict:
    data = {
        "title": "CNC line contract",
        "amount": "300000",
        "currency": "CNY",
        "our_party": "Our Co.",
        "customer_party": "",
        "schedule": "Twelve weeks",
        "cost_risk": "Steel prices",
        "terms-TOTAL_FORMS": str(len(terms)),
        "terms-INITIAL_FORMS": "0",
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "1000",
        **fields,
    }
    due = (timezone.localdate() + timedelta(days=365)).isoformat()
    for i, term in enumerate(terms):
        data[f"terms-{i}-label"] = term["label"]
        data[f"terms-{i}-percent"] = term["percent"]
        data[f"terms-{i}-trigger"] = term["trigger"]
        data[f"terms-{i}-due_date"] = due if term["trigger"] == "date" else ""
        data[f"terms-{i}-days_to_pay"] = "30"
    return data


def _service_terms():
    due = timezone.localdate() + timedelta(days=365)
    return [
        {"label": "Advance", "percent": "30", "trigger": "signing"},
        {"label": "Acceptance", "percent": "60", "trigger": "acceptance"},
        {"label": "Warranty", "percent": "10", "trigger": "date", "due_date": due},
    ]


def _quote(deal, by, discount="0"):
    return services.create_quote(
        opportunity=deal,
        by=by,
        valid_until=timezone.localdate() + timedelta(days=30),
        price_book=standard_book(),
        lines=[{"product": product_id("PLC-9"), "quantity": "2", "discount_percent": discount}],
    )


def _contract(deal, by, cost=Decimal("180000"), **fields):
    """A draft of 300,000 whose SR entered a cost of 180,000 (a 40% margin); ``cost=None``: no
    cost entered."""
    contract = services.create_contract(
        opportunity=deal, by=by, amount=Decimal("300000"), payment_terms=_service_terms(), **fields
    )
    if cost is not None:
        contract = services.assess_contract_cost(
            contract=contract, by=deal.solution_owner, cost_amount=cost
        )
    return contract


# Every page, every role ------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_contracts_page_renders_for_each_role_by_scope(browser_as, org, deal, role):
    quote = _quote(deal, org.rep1)
    contract = _contract(deal, org.rep1)
    client = browser_as(role)
    for name in ("contracts:contract_list", "contracts:approvals"):
        assert client.get(reverse(name)).status_code == 200, name
    deal_status = 200 if role in SEES_THE_DEAL else 404
    for name, pk in (
        ("contracts:quote_detail", quote.pk),
        ("contracts:quote_edit", quote.pk),
        ("contracts:quote_print", quote.pk),
        ("contracts:quote_create", deal.pk),
        ("contracts:contract_create", deal.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == deal_status, name
    for name in ("contracts:contract_detail", "contracts:contract_edit"):
        response = client.get(reverse(name, args=[contract.pk]))
        assert response.status_code in ((200, 302) if role in SEES_THE_CONTRACT else (404,)), name


def test_finance_sees_contracts_but_gets_no_action_buttons(browser_as, org, deal):
    contract = _contract(deal, org.rep1)
    client = browser_as("finance")
    listing = client.get(reverse("contracts:contract_list")).content.decode()
    assert contract.number in listing
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert contract.number in page
    # Finance may enter the draft's cost, and nothing else.
    actions = re.findall(r'method="post" action="(/contracts/[^"]*)"', page)
    assert actions == [reverse("contracts:contract_costs", args=[contract.pk])]
    rep_page = (
        browser_as("rep1")
        .get(reverse("contracts:contract_detail", args=[contract.pk]))
        .content.decode()
    )
    assert reverse("contracts:contract_cancel", args=[contract.pk]) in rep_page


def test_the_contract_page_says_how_each_milestone_is_invoiced(browser_as, org, deal):
    contract = _contract(deal, org.rep1)  # 30% on signing, 60% on acceptance, 10% dated
    page = browser_as("finance").get(reverse("contracts:contract_detail", args=[contract.pk]), **EN)
    text = page.content.decode()
    assert "Against the contract, once it is signed" in text
    assert "Through the orders: 60% of each order's accepted value" in text
    assert "Against the contract, when its date has come" in text


def test_a_rep_of_another_team_gets_404_on_a_contract_and_its_actions(browser_as, org, deal):
    contract = _contract(deal, org.rep1)
    client = browser_as("rep3")
    assert client.get(reverse("contracts:contract_detail", args=[contract.pk])).status_code == 404
    for name in ("contract_submit", "contract_cancel", "contract_sign"):
        assert client.post(reverse(f"contracts:{name}", args=[contract.pk])).status_code == 404
    assert contract.number not in client.get(reverse("contracts:contract_list")).content.decode()


def test_actions_accept_post_only(browser_as, org, deal):
    quote = _quote(deal, org.rep1)
    contract = _contract(deal, org.rep1)
    client = browser_as("rep1")
    for name in ("quote_submit", "quote_send", "quote_revise", "quote_decide"):
        assert client.get(reverse(f"contracts:{name}", args=[quote.pk])).status_code == 405
    for name in ("contract_submit", "contract_sign", "contract_close", "contract_cancel"):
        assert client.get(reverse(f"contracts:{name}", args=[contract.pk])).status_code == 405


def test_the_menu_offers_contracts_and_approvals_by_role(browser_as, org):
    contracts, approvals = reverse("contracts:contract_list"), reverse("contracts:approvals")
    for role in ("rep1", "manager", "admin", "solution", "delivery", "finance"):
        page = browser_as(role).get(reverse("home")).content.decode()
        assert f'href="{contracts}"' in page, role
        assert (f'href="{approvals}"' in page) == (role in ("manager", "admin")), role
    assert (
        f'href="{contracts}"' not in browser_as("marketing").get(reverse("home")).content.decode()
    )


def test_the_deal_page_shows_its_quotes_and_offers_the_contract_in_signing(browser_as, org, deal):
    quote = _quote(deal, org.rep1)
    page = deal_page(browser_as("rep1"), deal.pk, **EN)
    assert "Quotes and contract" in page
    assert reverse("contracts:quote_detail", args=[quote.pk]) in page
    assert reverse("contracts:quote_create", args=[deal.pk]) in page
    assert reverse("contracts:contract_create", args=[deal.pk]) in page
    contract = _contract(deal, org.rep1)
    page = deal_page(browser_as("rep1"), deal.pk, **EN)
    assert reverse("contracts:contract_detail", args=[contract.pk]) in page
    assert reverse("contracts:contract_create", args=[deal.pk]) not in page


def test_an_early_stage_deal_offers_no_contract(browser_as, org):
    early = opportunity(org.rep1)
    page = deal_page(browser_as("rep1"), early.pk)
    assert reverse("contracts:contract_create", args=[early.pk]) not in page
    assert reverse("contracts:quote_create", args=[early.pk]) in page


# Quotes -----------------------------------------------------------------------------------------
def test_the_quote_editor_saves_lines_and_shows_totals(browser_as, deal):
    client = browser_as("rep1")
    assert client.get(reverse("contracts:quote_create", args=[deal.pk])).status_code == 200
    data = _quote_data(
        [
            {"product_code": "CNC-1", "description": "Lathe", "quantity": "2", "unit_price": "300"},
            {
                "description": "Training",
                "quantity": "1",
                "unit_price": "200",
                "discount_percent": "10",
            },
        ]
    )
    response = client.post(reverse("contracts:quote_create", args=[deal.pk]), data, follow=True)
    quote = Quote.objects.get(opportunity=deal)
    assert response.redirect_chain[-1][0] == reverse("contracts:quote_detail", args=[quote.pk])
    assert quote.lines.count() == 2
    assert (quote.subtotal, quote.total) == (Decimal("800.00"), Decimal("780.00"))
    page = response.content.decode()
    assert "780.00" in page and "800.00" in page and "Lathe" in page

    # Editing replaces the lines: delete the first, keep the second.
    edit = reverse("contracts:quote_edit", args=[quote.pk])
    form = client.get(edit).context["formset"]
    assert form.total_form_count() == 2 + 3
    data = _quote_data(
        [
            {
                "description": "Lathe",
                "quantity": "2",
                "unit_price": "300",
                "DELETE": "on",
            },
            {"description": "Training", "quantity": "1", "unit_price": "200"},
        ]
    )
    client.post(edit, data)
    quote.refresh_from_db()
    assert quote.lines.count() == 1 and quote.total == Decimal("200.00")


def test_an_invalid_line_keeps_the_input_and_shows_the_error(browser_as, deal):
    client = browser_as("rep1")
    data = _quote_data([{"description": "Lathe", "quantity": "0", "unit_price": "300"}])
    response = client.post(reverse("contracts:quote_create", args=[deal.pk]), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["quantity"]
    assert 'value="Lathe"' in response.content.decode()
    assert not Quote.objects.exists()


def test_a_15_percent_discount_blocks_sending_until_a_manager_approves(browser_as, deal):
    rep = browser_as("rep1")
    data = _quote_data(
        [{"description": "Lathe", "quantity": "1", "unit_price": "500", "discount_percent": "15"}]
    )
    response = rep.post(reverse("contracts:quote_create", args=[deal.pk]), data, follow=True, **EN)
    quote = Quote.objects.get()
    assert quote.needs_approval
    assert "needs a manager&#x27;s approval before sending" in response.content.decode()

    response = rep.post(reverse("contracts:quote_send", args=[quote.pk]), follow=True, **EN)
    assert "Discounts above the threshold are approved by a manager" in _messages(response)
    quote.refresh_from_db()
    assert quote.state == QuoteState.DRAFT

    rep.post(reverse("contracts:quote_submit", args=[quote.pk]))
    quote.refresh_from_db()
    assert quote.state == QuoteState.PENDING_APPROVAL
    assert str(quote.number) not in rep.get(reverse("contracts:approvals")).content.decode()

    manager = browser_as("manager")
    inbox = manager.get(reverse("contracts:approvals")).content.decode()
    detail_url = reverse("contracts:quote_detail", args=[quote.pk])
    assert detail_url in inbox
    page = manager.get(detail_url).content.decode()
    assert reverse("contracts:quote_decide", args=[quote.pk]) in page
    manager.post(
        reverse("contracts:quote_decide", args=[quote.pk]), {"decision": "approve", "comment": ""}
    )
    quote.refresh_from_db()
    assert quote.state == QuoteState.APPROVED
    assert detail_url not in manager.get(reverse("contracts:approvals")).content.decode()

    rep.post(reverse("contracts:quote_send", args=[quote.pk]))
    rep.post(reverse("contracts:quote_answer", args=[quote.pk]), {"answer": "accepted"})
    quote.refresh_from_db()
    assert quote.state == QuoteState.ACCEPTED


def test_revising_makes_a_new_version_and_the_old_one_is_read_only(browser_as, org, deal):
    quote = _quote(deal, org.rep1)
    client = browser_as("rep1")
    response = client.post(reverse("contracts:quote_revise", args=[quote.pk]), follow=True)
    new = Quote.objects.get(opportunity=deal, version=2)
    assert response.redirect_chain[-1][0] == reverse("contracts:quote_detail", args=[new.pk])
    quote.refresh_from_db()
    assert quote.state == QuoteState.SUPERSEDED
    old_page = client.get(reverse("contracts:quote_detail", args=[quote.pk]), **EN)
    assert old_page.context["can_edit"] is False and old_page.context["is_latest"] is False
    assert reverse("contracts:quote_detail", args=[new.pk]) in old_page.content.decode()
    assert client.get(reverse("contracts:quote_edit", args=[quote.pk])).status_code == 302


def test_the_print_page_has_names_lines_and_totals_without_navigation(browser_as, org, deal):
    quote = _quote(deal, org.rep1, discount="5")
    page = browser_as("rep1").get(reverse("contracts:quote_print", args=[quote.pk]), **EN)
    html = page.content.decode()
    assert deal.customer.name in html and "Line controller" in html
    assert "190,000.00 CNY" in html and "@media print" in html
    assert 'class="menu"' not in html


# Contracts --------------------------------------------------------------------------------------
def test_the_contract_form_keeps_the_input_when_the_terms_add_up_to_90(browser_as, org, deal):
    _quote(deal, org.rep1)
    client = browser_as("rep1")
    url = reverse("contracts:contract_create", args=[deal.pk])
    page = client.get(url)
    initial = [f.initial for f in page.context["formset"].forms[:3]]
    assert [i["percent"] for i in initial] == [Decimal("30"), Decimal("60"), Decimal("10")]
    assert [i["trigger"] for i in initial] == ["signing", "acceptance", "date"]

    terms = [dict(t) for t in TERMS]
    terms[1]["percent"] = "50"
    response = client.post(url, _terms_data(terms), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "payment terms add up to 90" in html
    assert 'name="terms-1-percent" value="50"' in html
    assert 'value="CNC line contract"' in html
    assert not Contract.objects.exists()

    response = client.post(url, _terms_data(TERMS))
    contract = Contract.objects.get()
    assert response.url == reverse("contracts:contract_detail", args=[contract.pk])
    assert contract.state == ContractState.DRAFT
    assert [t.percent for t in contract.terms.all()] == [
        Decimal("30"),
        Decimal("60"),
        Decimal("10"),
    ]


def test_the_contract_amount_is_prefilled_from_the_sent_quote(browser_as, org, deal):
    quote = _quote(deal, org.rep1)
    services.send_quote(quote=quote, by=org.rep1)
    form = browser_as("rep1").get(reverse("contracts:contract_create", args=[deal.pk])).context
    assert form["form"].initial["amount"] == Decimal("200000.00")
    assert form["quote"] == quote


def test_the_full_contract_flow_through_the_forms(browser_as, org, deal):
    rep, manager = browser_as("rep1"), None
    rep.post(reverse("contracts:contract_create", args=[deal.pk]), _terms_data(TERMS))
    contract = Contract.objects.get()
    url = reverse("contracts:contract_detail", args=[contract.pk])

    def post(role, name, data=None, pk=None):
        client = browser_as(role)
        return client.post(reverse(f"contracts:{name}", args=[pk or contract.pk]), data or {})

    def state():
        contract.refresh_from_db()
        return contract.state

    # The SR enters the cost (a 25% margin) before the review.
    post("solution", "contract_costs", {"cost_amount": "225000", "note": "Bill of materials"})
    assert Contract.objects.get().margin_percent == 25
    post("rep1", "contract_submit")
    assert state() == ContractState.IN_REVIEW
    post("rep1", "contract_assess", {"relationship_assessment": "Strong sponsor."})
    assert 'action="' + reverse("contracts:contract_assess", args=[contract.pk]) in (
        browser_as("solution").get(url).content.decode()
    )
    post("solution", "contract_assess", {"solution_assessment": "Standard solution."})
    post("delivery", "contract_assess", {"delivery_assessment": "Deliverable in 12 weeks."})
    manager = browser_as("manager")
    assert reverse("contracts:contract_detail", args=[contract.pk]) in (
        manager.get(reverse("contracts:approvals")).content.decode()
    )
    post("manager", "contract_decide", {"decision": "approve", "comment": "Go."})
    assert state() == ContractState.APPROVED

    post("rep1", "contract_sign", {"signed_on": timezone.localdate().isoformat()})
    assert state() == ContractState.SIGNED
    deal.refresh_from_db()
    assert deal.state == OpportunityState.WON

    post("delivery", "contract_accept")
    assert state() == ContractState.EXECUTING

    response = browser_as("rep1").post(reverse("contracts:contract_close", args=[contract.pk]))
    assert state() == ContractState.EXECUTING  # refused: no evaluation yet
    evaluation = {
        "profitability": "as_planned",
        "schedule_kept": "on",
        "acceptance_smooth": "on",
        "score": "4",
        "lessons": "Order the steel early.",
    }
    post("rep1", "contract_evaluate", evaluation)
    assert contract.evaluation.score == 4
    refused = browser_as("rep1").post(
        reverse("contracts:contract_close", args=[contract.pk]), follow=True, **EN
    )
    assert state() == ContractState.EXECUTING  # refused: nothing invoiced yet
    assert "The invoices add up to the contract amount" in _messages(refused)
    collect_in_full(contract, org)
    response = post("rep1", "contract_close")
    assert state() == ContractState.CLOSED
    page = browser_as("rep1").get(response.url, **EN).content.decode()
    assert "Order the steel early." in page and "Closed" in page


def test_closing_lists_every_missing_item(browser_as, org, deal):
    contract = _contract(deal, org.rep1)
    Contract.objects.filter(pk=contract.pk).update(state=ContractState.EXECUTING)
    client = browser_as("rep1")
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk]), **EN)
    assert [m.code for m in page.context["close_missing"]][:1] == ["evaluation"]
    response = client.post(
        reverse("contracts:contract_close", args=[contract.pk]), follow=True, **EN
    )
    assert "The closing evaluation is recorded" in _messages(response)


def test_an_escalated_review_shows_that_it_needs_a_second_approver(browser_as, org):
    deal = _signing_deal(org, name="Risky line")
    contract = _contract(deal, org.rep1, is_risky=True)
    services.submit_contract(
        contract=contract,
        by=org.manager,  # a manager may write every part of the review
        relationship_assessment="ok",
        solution_assessment="ok",
        delivery_assessment="ok",
    )
    url = reverse("contracts:contract_detail", args=[contract.pk])
    browser_as("manager").post(
        reverse("contracts:contract_decide", args=[contract.pk]), {"decision": "approve"}
    )
    contract.refresh_from_db()
    assert contract.state == ContractState.IN_REVIEW
    page = browser_as("admin").get(url, **EN)
    html = page.content.decode()
    assert "Escalated: needs a second approver" in html and "first approved by manager" in html
    assert page.context["review"]["can_decide"] is True
    assert browser_as("manager").get(url).context["review"]["can_decide"] is False
    admin_inbox = browser_as("admin").get(reverse("contracts:approvals")).content.decode()
    assert url in admin_inbox
    browser_as("admin").post(
        reverse("contracts:contract_decide", args=[contract.pk]), {"decision": "approve"}
    )
    contract.refresh_from_db()
    assert contract.state == ContractState.APPROVED


def test_cancelling_needs_a_reason(browser_as, org, deal):
    contract = _contract(deal, org.rep1)
    client = browser_as("rep1")
    url = reverse("contracts:contract_cancel", args=[contract.pk])
    client.post(url, {"reason": ""})
    contract.refresh_from_db()
    assert contract.state == ContractState.DRAFT
    client.post(url, {"reason": "The customer merged with a rival."})
    contract.refresh_from_db()
    assert contract.state == ContractState.CANCELLED


def test_a_change_request_through_the_forms_makes_version_2(browser_as, org, deal):
    contract = _contract(deal, org.rep1)
    contract = services.submit_contract(
        contract=contract,
        by=org.manager,  # a manager may write every part of the review
        relationship_assessment="ok",
        solution_assessment="ok",
        delivery_assessment="ok",
    )
    services.decide_contract(contract=contract, by=org.manager, approve=True)
    services.sign_contract(contract=contract, by=org.rep1)

    browser_as("rep1").post(
        reverse("contracts:change_request", args=[contract.pk]),
        {"description": "Add a second lathe.", "amount_delta": "50000"},
    )
    change = ChangeRequest.objects.get()
    browser_as("delivery").post(
        reverse("contracts:change_assess", args=[change.pk]),
        {"fr_assessment": "Two more weeks."},
    )
    browser_as("solution").post(
        reverse("contracts:change_assess", args=[change.pk]),
        {"sr_assessment": "Same model."},
    )
    change.refresh_from_db()
    assert change.state == "reviewed"
    inbox = browser_as("manager").get(reverse("contracts:approvals")).content.decode()
    assert reverse("contracts:contract_detail", args=[contract.pk]) in inbox
    browser_as("manager").post(
        reverse("contracts:change_decide", args=[change.pk]), {"decision": "approve"}
    )
    browser_as("rep1").post(reverse("contracts:change_apply", args=[change.pk]))
    contract.refresh_from_db()
    assert (contract.version, contract.amount) == (2, Decimal("350000.00"))
    page = browser_as("rep1").get(reverse("contracts:contract_detail", args=[contract.pk]))
    assert [v.version for v in page.context["versions"]] == [2, 1]


# Bounded queries --------------------------------------------------------------------------------
def _many_contracts(org, rows: int) -> None:
    for i in range(rows):
        deal = _signing_deal(org, name=f"Deal {i}")
        quote = _quote(deal, org.rep1, discount="15")
        services.submit_quote(quote=quote, by=org.rep1)
        contract = _contract(deal, org.rep1)
        if i % 2:
            services.submit_contract(contract=contract, by=org.rep1)


# Two sizes: the same pinned count for both proves it flat. The second is past the pin (a query
# per row would break it) and, in the full profile, past a page (tests/profiles.py).
@pytest.mark.parametrize("rows", [5, 100 if FULL else 30])
def test_the_list_and_the_approvals_run_a_bounded_number_of_queries(
    browser_as, org, rows, django_assert_max_num_queries
):
    _many_contracts(org, rows)
    for name in ("manager", "rep1", "finance", "admin"):
        client = browser_as(name)
        for page in ("contracts:contract_list", "contracts:approvals"):
            with django_assert_max_num_queries(14):
                assert client.get(reverse(page)).status_code == 200
    inbox = browser_as("manager").get(reverse("contracts:approvals"))
    assert len(inbox.context["quotes"]) == rows
    assert len(inbox.context["contracts"]) == rows // 2
    listing = walk(browser_as("finance"), reverse("contracts:contract_list"))
    assert len(listing) == len({c.pk for c in listing}) == rows


def test_the_contract_list_filters_by_state_customer_and_search(browser_as, org, deal):
    contract = _contract(deal, org.rep1)
    other = _contract(_signing_deal(org, name="Press line"), org.rep1, title="Press line")
    services.cancel_contract(contract=other, by=org.rep1, reason="Lost budget")
    client = browser_as("manager")
    url = reverse("contracts:contract_list")

    def numbers(**params):
        page = client.get(url, params).context["page"]
        return {c.number for c in page.object_list}

    assert numbers() == {contract.number, other.number}
    assert numbers(state="draft") == {contract.number}
    assert numbers(customer=other.customer_id) == {other.number}
    assert numbers(q="Press") == {other.number}
