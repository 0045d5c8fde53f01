"""The whole chain, clicked through in Chromium by the demo users: a lead is created, claimed,
followed up, validated and converted; the opportunity passes every gate through its checklist
with the project approval reviewed by the triangle and approved by the manager; the contract
is drafted, reviewed, approved and signed; delivery accepts it, an order is placed, and its
units are shipped and accepted; finance invoices the accepted unit and records the payment; the
manager's dashboards show the won deal and the recognised revenue. Each step is checked in what the user sees (flash messages,
states, the workbench), and in the database where the page alone would not prove it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from billing.models import Invoice
from ltc.org.models import User

from .steps import assert_flash, fill, path_id, submit

pytestmark = pytest.mark.django_db(transaction=True)

LEAD_TITLE = "Browser walk: plant MES upgrade"
COMPANY = "Suzhou Walkthrough Machinery Co."


def _user_id(username: str) -> int:
    return User.objects.get(username=username).pk


def lead_to_validated(marketing, rep) -> int:
    page = marketing.go("/leads/new/")
    submit(
        page,
        "main form",
        {
            "title": LEAD_TITLE,
            "company_name": COMPANY,
            "contact_name": "Ms. Gu",
            "phone": "+86 512 6000 1234",
            "email": "gu@walkthrough.example",
            "source": "trade_show",
            "estimated_amount": "1800000",
        },
    )
    assert_flash(page, "created")
    lead_id = path_id(page, r"/leads/(\d+)/")

    page = rep.go("/leads/pool/")
    page.fill("#id_q", "Browser walk")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    row = page.locator("tbody tr", has_text=LEAD_TITLE)
    assert row.count() == 1
    rep.shot("lead-pool")
    with page.expect_navigation():
        row.get_by_role("button", name="Claim").click()
    assert_flash(page, "claimed")

    page = rep.go(f"/leads/{lead_id}/")
    assert "Assigned" in page.locator("h1 .state").inner_text()
    # The checklist says what validation still needs before the rep tries.
    assert page.locator(".checklist li").count() >= 1
    submit(page, "/follow-up/", {"kind": "visit", "note": "Met Ms. Gu at the fair; MES pains."})
    assert_flash(page, "follow-up logged")
    submit(
        page,
        "/validate/",
        {"need": "Replace the MES of two plants", "budget_confirmed": True},
    )
    assert_flash(page, "validated")
    assert "Validated" in page.locator("h1 .state").inner_text()
    rep.shot("lead-detail")
    return lead_id


def convert(rep, lead_id: int) -> int:
    page = rep.go(f"/leads/{lead_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Convert to an opportunity").click()
    assert page.locator("#id_opportunity_name").input_value() == LEAD_TITLE
    page.fill("#id_amount", "1800000")
    page.fill("#id_expected_close_date", date(2027, 6, 30).isoformat())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert_flash(page, "converted")
    return path_id(page, r"/opportunities/(\d+)/")


def record_tender(session, opp_id: int):
    """The tender of the bid from the deal's Tenders panel: number, issuer and deadlines."""
    page = session.go(f"/opportunities/{opp_id}/")
    with page.expect_navigation():
        page.locator("#tenders a", has_text="Record a tender").click()
    due = timezone.localtime(timezone.now() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    asked = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    submit(
        page,
        "main form",
        {
            "number": "ZB-2026-118",
            "issuer": "采购中心",
            "questions_due_at": asked,
            "submission_due_at": due,
            "bond_amount": "10000",
        },
    )
    assert "ZB-2026-118" in page.locator("h1").inner_text()


def advance(session, opp_id: int, stage_name: str):
    """Move to the next stage from the checklist card: the move is refused while the card lists
    a missing item, and succeeds once all of them are met."""
    page = session.go(f"/opportunities/{opp_id}/")
    card = page.locator("section.card", has=page.locator("form[action$='/advance/']")).first
    assert card.locator(".checklist li:not(.met)").count() == 0, card.inner_text()
    with page.expect_navigation():
        card.get_by_role("button", name=re.compile(f"Move to {stage_name}")).click()
    assert_flash(page, "stage|moved|entered")
    assert stage_name in page.locator("main > p.muted").first.inner_text()


def complete_task(session, opp_id: int, code: str):
    page = session.go(f"/opportunities/{opp_id}/")
    submit(page, f"/tasks/{code}/complete/", {"note": "done in the browser walk"})
    assert_flash(page, "done|completed")


def add_to_chain(session, opp_id: int, name: str, role: str, attitude: str):
    page = session.go(f"/opportunities/{opp_id}/")
    page.locator("#decision-chain summary").click()
    submit(
        page,
        "/decision-chain/",
        {"new_name": name, "new_title": "Plant director", "role": role, "attitude": attitude},
    )
    assert_flash(page, "decision chain|added")


def opportunity_through_the_gates(rep, solution, delivery, manager, opp_id: int):
    page = rep.go(f"/opportunities/{opp_id}/")
    # Grade B: the full process. The refused move lists what stage 2 needs.
    card = page.locator("section.card", has=page.locator("form[action$='/advance/']")).first
    assert card.locator(".checklist li:not(.met)").count() >= 2
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert page.locator("ul.messages .error").count() == 1
    rep.shot("opportunity-detail")

    # Stage 2 needs a decision chain and the AR's confirmation of need, budget and timing.
    add_to_chain(rep, opp_id, "Mr. Qian", "decision_maker", "supporter")
    complete_task(rep, opp_id, "verify_need")
    advance(rep, opp_id, "Project approval")

    # Stage 3: the triangle is formed and the project approval review is approved.
    page = rep.go(f"/opportunities/{opp_id}/edit/")
    fill(
        page,
        "main form",
        {
            "solution_owner": str(_user_id("solution")),
            "fulfillment_owner": str(_user_id("delivery")),
            "needs": "MES for two plants, integrated with SAP",
            "value_proposition": "Cuts scrap by 15% in the first year",
            "bid_date": date(2027, 3, 1).isoformat(),
        },
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert_flash(page, "saved")

    page = rep.go(f"/opportunities/{opp_id}/")
    page.locator("#reviews summary").click()
    submit(
        page,
        "/reviews/request/",
        {"kind": "project_approval", "relationship_assessment": "Strong with the plant director"},
    )
    assert_flash(page, "review")
    review_id = int(
        re.search(
            r"/reviews/(\d+)/",
            page.locator("#reviews a[href*='/reviews/']").first.get_attribute("href"),
        ).group(1)
    )
    page = solution.go(f"/opportunities/reviews/{review_id}/")
    submit(page, "/assess/", {"solution_assessment": "Our MES fits; the rival lacks SAP links"})
    assert_flash(page, "assessment")
    page = delivery.go(f"/opportunities/reviews/{review_id}/")
    submit(page, "/assess/", {"delivery_assessment": "Deliverable in six months"})
    assert_flash(page, "assessment")

    page = manager.go("/opportunities/reviews/")
    assert page.locator(f"a[href='/opportunities/reviews/{review_id}/']").count() >= 1
    page = manager.go(f"/opportunities/reviews/{review_id}/")
    submit(page, "/decide/", {"comment": "Go"})
    assert_flash(page, "decision recorded")
    assert "Approved" in page.locator("h1 .state").inner_text()
    manager.shot("review")
    advance(rep, opp_id, "Needs analysis")

    # Stage 4: needs, a decision maker, a competitor, the SR's research and the AR's plan.
    page = rep.go(f"/opportunities/{opp_id}/")
    page.locator("#competitors summary").click()
    submit(page, "/competitors/", {"name": "Rival MES Ltd.", "strengths": "Price"})
    assert_flash(page, "competitor")
    complete_task(solution, opp_id, "needs_research")
    complete_task(rep, opp_id, "action_plan")
    advance(rep, opp_id, "Value presentation")

    # Stage 5: the value proposition (saved above), a supporter, the SR's presentation.
    complete_task(solution, opp_id, "solution_presentation")
    advance(rep, opp_id, "Bid preparation")

    # Stage 6: the tender deadline (saved above), the technical bid, the delivery plan.
    complete_task(solution, opp_id, "bid_document")
    complete_task(delivery, opp_id, "delivery_plan")
    record_tender(rep, opp_id)  # the demo's process asks for the tender before bidding
    advance(rep, opp_id, "Bidding")

    # Stage 7: the customer awarded us the deal.
    complete_task(rep, opp_id, "commercial_agreement")
    advance(rep, opp_id, "Negotiation and signing")


def contract_signed(rep, solution, delivery, manager, opp_id: int) -> int:
    page = rep.go(f"/opportunities/{opp_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Draft the contract").click()
    # The amount comes from the opportunity; the default milestones add up to 100%.
    assert page.locator("#id_amount").input_value().startswith("1800000")
    fill(
        page,
        "main form",
        {
            "title": "MES upgrade, two plants",
            "schedule": "Plant 1 in Q2, plant 2 in Q3",
            "cost_risk": "Low",
        },
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Draft the contract").click()
    assert_flash(page, "draft")
    contract_id = path_id(page, r"/contracts/(\d+)/")
    assert "Draft" in page.locator("h1 .state").first.inner_text()
    # The rep does not type the margin: the SR enters the cost (a 32% margin) it comes from.
    assert page.locator('form[action*="/costs/"]').count() == 0
    page = solution.go(f"/contracts/{contract_id}/")
    submit(page, "/costs/", {"cost_amount": "1224000", "note": "Licences and two teams"})
    assert_flash(page, "cost")
    assert "32.00%" in page.locator("main").inner_text()

    page = rep.go(f"/contracts/{contract_id}/")
    submit(page, "/submit/")
    assert_flash(page, "review")
    for session, field, text in (
        (rep, "relationship_assessment", "The plant director backs us"),
        (solution, "solution_assessment", "Standard modules, two interfaces"),
        (delivery, "delivery_assessment", "Two teams available from April"),
    ):
        page = session.go(f"/contracts/{contract_id}/")
        submit(page, "/assess/", {field: text})
        assert_flash(page, "assessment")

    page = manager.go("/contracts/approvals/")
    assert page.locator(f"a[href='/contracts/{contract_id}/']").count() >= 1
    page = manager.go(f"/contracts/{contract_id}/")
    submit(page, "/decide/", {"comment": "Margin is fine"})
    assert_flash(page, "approved|decision")

    page = rep.go(f"/contracts/{contract_id}/")
    submit(page, "/sign/", {"signed_on": date.today().isoformat()})
    # Signing cannot be undone: the page asked before it posted.
    assert any("signed" in question for question in rep.dialogs), rep.dialogs
    assert_flash(page, "signed")
    assert "Signed" in page.locator("h1 .state").first.inner_text()
    rep.shot("contract-detail")

    page = delivery.go(f"/contracts/{contract_id}/")
    submit(page, "/accept/")
    assert any("Accept this contract" in q for q in delivery.dialogs), delivery.dialogs
    assert_flash(page, "accept|executing")
    assert "Executing" in page.locator("h1 .state").first.inner_text()
    return contract_id


def delivered(delivery, contract_id: int) -> int:
    page = delivery.go(f"/contracts/{contract_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="New order").click()
    fill(
        page,
        "main form",
        {
            "number": "PO-WALK-001",
            "amount": "1000000",
            "order_date": date.today().isoformat(),
            "units-0-name": "Plant 1",
            "units-0-amount": "600000",
            "units-1-name": "Plant 2",
            "units-1-amount": "400000",
        },
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Place the order").click()
    assert_flash(page, "order")
    order_id = path_id(page, r"/orders/(\d+)/")

    for unit in ("Plant 1", "Plant 2"):
        row = page.locator("#units tbody tr", has_text=unit)
        with page.expect_navigation():
            row.get_by_role("button", name="Ship").click()
        assert_flash(page, "shipped")
    row = page.locator("#units tbody tr", has_text="Plant 1")
    row.locator("input[name=certificate]").fill("AC-WALK-1")
    with page.expect_navigation():
        row.get_by_role("button", name="Accept").click()
    assert any("accepted by the customer" in q for q in delivery.dialogs), delivery.dialogs
    assert_flash(page, "accepted")
    assert "Accepted" in page.locator("#units tbody tr", has_text="Plant 1").inner_text()
    delivery.shot("order-detail")
    return order_id


def invoiced_and_paid(finance):
    # The workbench lists the PO as invoiceable: 60% (the default terms' share on acceptance;
    # 30% is the advance, 10% after the warranty) of the 600,000 accepted.
    page = finance.go("/")
    panel = page.locator("section.card", has_text="Invoiceable now")
    with page.expect_navigation():
        panel.get_by_role("link", name=re.compile("PO-WALK-001")).click()
    assert "Invoiceable now: 360,000.00" in page.locator("main").inner_text()
    assert page.locator("#id_amount").input_value().startswith("360000")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the draft").click()
    assert_flash(page, "draft")
    invoice_id = path_id(page, r"/invoices/(\d+)/")
    submit(page, "/issue/")
    assert any("Issue this invoice" in q for q in finance.dialogs), finance.dialogs
    assert_flash(page, "issued")
    number = page.locator("h1").inner_text()
    finance.shot("invoice-detail")

    customer_id = Invoice.objects.get(pk=invoice_id).customer_id
    page = finance.go(f"/billing/payments/new/?customer={customer_id}")
    row = page.locator("#allocations tbody tr").filter(
        has=page.locator(f"a[href='/billing/invoices/{invoice_id}/']")
    )
    row.locator("input[name$='-amount']").fill("360000")
    fill(
        page,
        "main form[method=post]",
        {
            "amount": "360000",
            "received_on": date.today().isoformat(),
            "reference": "BANK-WALK-0001",
        },
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Record the payment").click()
    assert_flash(page, "payment|recorded")
    page = finance.go(f"/billing/invoices/{invoice_id}/")
    assert "Paid" in page.locator("h1").inner_text(), number
    # Nothing accepted is left to invoice on that PO (its 60% is invoiced): it leaves the
    # workbench.
    page = finance.go("/")
    assert (
        "PO-WALK-001" not in page.locator("section.card", has_text="Invoiceable now").inner_text()
    )
    finance.shot("workbench-finance")


def dashboard_figures(manager) -> dict[str, str]:
    page = manager.go("/dashboards/")
    # text_content: the tables are folded behind their "Show table" toggles.
    return {name: page.locator(f"#{name}").text_content() for name in ("funnel", "revenue")}


def dashboards_changed(manager, before: dict[str, str]):
    after = dashboard_figures(manager)
    # The deal won and the unit accepted show in the funnel and in the revenue recognised.
    assert after["funnel"] != before["funnel"]
    assert after["revenue"] != before["revenue"]
    manager.shot("dashboard")
    page = manager.go("/")
    assert page.locator("section.card", has_text="The funnel at a glance").count() == 1
    manager.shot("workbench-manager")


def test_the_demo_users_walk_the_whole_chain_in_chromium(login):
    marketing = login("marketing")
    rep = login("rep1")
    lead_id = lead_to_validated(marketing, rep)
    opp_id = convert(rep, lead_id)

    solution = login("solution")
    delivery = login("delivery")
    manager = login("manager")
    before = dashboard_figures(manager)
    opportunity_through_the_gates(rep, solution, delivery, manager, opp_id)
    contract_id = contract_signed(rep, solution, delivery, manager, opp_id)
    delivered(delivery, contract_id)

    finance = login("finance")
    invoiced_and_paid(finance)
    dashboards_changed(manager, before)
