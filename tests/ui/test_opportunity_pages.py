"""The opportunity pages in the browser: each role sees what its scope allows, every change goes
through the services, the gate's checklist is shown before anyone tries, and the board and list
run a bounded number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import services as contract_services
from contracts.models import Quote
from leads.models import LeadState
from ltc.customers.models import Contact
from opportunities import services
from opportunities.models import (
    Opportunity,
    OpportunityState,
    Review,
    ReviewState,
    Stage,
)
from opportunities.views.lists import Page
from opportunities.views.panels import PANELS

from ..conftest import ROLES
from ..factories import ContactFactory, CustomerFactory, held_lead, opportunity
from ..pages import deal_page, deal_panel

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST_PAGES = [
    "home",
    "opportunities:list",
    "opportunities:board",
    "opportunities:create",
    "opportunities:reviews",
]
# Who sees rep1's deal whose SR is "solution" and FR is "delivery": the triangle, the manager of
# team 1 and the company-wide roles. Everyone else gets a 404.
SEES_THE_DEAL = {"admin", "manager", "rep1", "solution", "delivery", "integration"}
DEAL_PAGES = ["opportunities:detail", "opportunities:edit", "opportunities:move"]


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def deal(org):
    return opportunity(
        org.rep1, name="CNC line", solution_owner=org.solution, fulfillment_owner=org.delivery
    )


def _meet_approval_gate(deal, org):
    contact = ContactFactory(customer=deal.customer)
    services.add_decision_maker(
        opportunity=deal,
        user=org.rep1,
        contact=contact,
        role="decision_maker",
        attitude="supporter",
    )
    services.complete_task(opportunity=deal, code="verify_need", user=org.rep1)


# Every page, every role ------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", LIST_PAGES)
def test_every_list_page_renders_for_every_role(browser_as, deal, role, page):
    assert browser_as(role).get(reverse(page)).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", DEAL_PAGES)
def test_deal_pages_render_for_those_who_see_the_deal_and_404_for_others(
    browser_as, deal, role, page
):
    response = browser_as(role).get(reverse(page, args=[deal.pk]))
    assert response.status_code == (200 if role in SEES_THE_DEAL else 404)


@pytest.mark.parametrize("role", ROLES)
def test_review_page_renders_for_those_who_see_the_deal(browser_as, deal, org, role):
    review = services.request_review(opportunity=deal, user=org.rep1, kind="project_approval")
    response = browser_as(role).get(reverse("opportunities:review", args=[review.pk]))
    assert response.status_code == (200 if role in SEES_THE_DEAL else 404)


def test_a_rep_of_another_team_gets_404_on_the_deal_and_its_actions(browser_as, deal):
    client = browser_as("rep3")
    assert client.get(reverse("opportunities:detail", args=[deal.pk])).status_code == 404
    assert client.post(reverse("opportunities:advance", args=[deal.pk])).status_code == 404
    assert client.post(reverse("opportunities:lose", args=[deal.pk])).status_code == 404


def test_actions_accept_post_only(browser_as, deal):
    client = browser_as("rep1")
    for name in ("advance", "lose", "regrade", "activity_add", "competitor_add", "chain_add"):
        assert client.get(reverse(f"opportunities:{name}", args=[deal.pk])).status_code == 405


def test_the_workbench_shows_the_opportunity_panels(browser_as, deal, org):
    services.request_review(opportunity=deal, user=org.rep1, kind="project_approval")
    rep_page = browser_as("rep1").get(reverse("home")).content.decode()
    assert deal.tasks.get(code="verify_need").display_label in rep_page
    manager_page = browser_as("manager").get(reverse("home"), **EN).content.decode()
    assert reverse("opportunities:review", args=[Review.objects.get().pk]) in manager_page


def test_the_menu_offers_the_board_and_the_one_approvals_inbox_by_role(browser_as, org, deal):
    board, inbox = reverse("opportunities:board"), reverse("contracts:approvals")
    manager = browser_as("manager").get(reverse("home")).content.decode()
    assert f'href="{board}"' in manager and f'href="{inbox}"' in manager
    rep = browser_as("rep1").get(reverse("home")).content.decode()
    assert f'href="{board}"' in rep and f'href="{inbox}"' not in rep
    finance = browser_as("finance").get(reverse("home")).content.decode()
    assert f'href="{board}"' not in finance
    # The deal reviews wait in the same inbox as quotes, contracts and changes.
    services.request_review(opportunity=deal, user=org.rep1, kind="project_approval")
    page = browser_as("manager").get(inbox).content.decode()
    assert reverse("opportunities:review", args=[Review.objects.get().pk]) in page


# Converting a lead ------------------------------------------------------------------------------
def test_the_lead_page_offers_conversion_only_for_a_validated_lead(browser_as, org):
    validated = held_lead(org.rep1, state="validated")
    assigned = held_lead(org.rep1)
    client = browser_as("rep1")
    url = reverse("opportunities:convert", args=[validated.pk])
    assert url in client.get(reverse("leads:detail", args=[validated.pk])).content.decode()
    other = client.get(reverse("leads:detail", args=[assigned.pk])).content.decode()
    assert reverse("opportunities:convert", args=[assigned.pk]) not in other


def test_the_convert_page_is_prefilled_from_the_lead(browser_as, org):
    lead = held_lead(
        org.rep1, state="validated", title="40 CNC machines", estimated_amount=Decimal("800000")
    )
    response = browser_as("rep1").get(reverse("opportunities:convert", args=[lead.pk]), **EN)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["opportunity_name"] == "40 CNC machines"
    assert form.initial["amount"] == Decimal("800000")
    assert lead.company_name in response.content.decode()  # "create from the lead's company"
    assert (
        browser_as("rep3").get(reverse("opportunities:convert", args=[lead.pk])).status_code == 404
    )


def test_converting_a_validated_lead_opens_an_opportunity_that_keeps_the_lead(browser_as, org):
    lead = held_lead(org.rep1, state="validated", need="Replace 40 CNC machines")
    close = timezone.localdate() + timedelta(days=120)
    response = browser_as("rep1").post(
        reverse("opportunities:convert", args=[lead.pk]),
        {"opportunity_name": "CNC renewal", "amount": "800000", "expected_close_date": close},
    )
    lead.refresh_from_db()
    assert lead.state == LeadState.CONVERTED
    opp = Opportunity.objects.get(lead=lead)
    assert response.status_code == 302
    assert response["Location"] == reverse("opportunities:detail", args=[opp.pk])
    assert (opp.name, opp.amount, opp.grade, opp.owner) == (
        "CNC renewal",
        Decimal("800000"),
        "C",
        org.rep1,
    )
    assert opp.customer.name == lead.company_name
    assert Contact.objects.filter(customer=opp.customer, name=lead.contact_name).exists()


def test_a_lead_that_is_not_validated_is_not_converted(browser_as, org):
    lead = held_lead(org.rep1)
    response = browser_as("rep1").post(
        reverse("opportunities:convert", args=[lead.pk]),
        {
            "opportunity_name": "Too early",
            "amount": "800000",
            "expected_close_date": timezone.localdate(),
        },
        follow=True,
        **EN,
    )
    lead.refresh_from_db()
    assert lead.state == LeadState.ASSIGNED
    assert not Opportunity.objects.exists()
    assert "validated" in _messages(response)


# Creating and editing ---------------------------------------------------------------------------
def test_create_opens_a_graded_opportunity_and_a_partner_makes_it_e(browser_as, org):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    client = browser_as("rep1")
    data = {
        "customer": customer.pk,
        "name": "Plant MES",
        "amount": "1200000",
        "currency": "CNY",
        "expected_close_date": timezone.localdate() + timedelta(days=200),
    }
    client.post(reverse("opportunities:create"), data)
    client.post(
        reverse("opportunities:create"), {**data, "name": "Via agent", "partner": "Agent Co"}
    )
    grades = dict(Opportunity.objects.values_list("name", "grade"))
    assert grades == {"Plant MES": "B", "Via agent": "E"}


def test_create_offers_only_visible_customers(browser_as, org):
    mine = CustomerFactory(owner=org.rep1, team=org.team1)
    theirs = CustomerFactory(owner=org.rep3, team=org.team2)
    response = browser_as("rep1").get(reverse("opportunities:create"))
    customers = list(response.context["form"].fields["customer"].queryset)
    assert mine in customers and theirs not in customers
    data = {
        "customer": theirs.pk,
        "name": "Poach",
        "amount": "500000",
        "currency": "CNY",
        "expected_close_date": timezone.localdate(),
    }
    browser_as("rep1").post(reverse("opportunities:create"), data)
    assert not Opportunity.objects.exists()


def test_the_edit_form_cannot_write_the_state_the_stage_or_the_grade(browser_as, deal):
    data = {
        "name": "Renamed",
        "amount": "300000",
        "currency": "CNY",
        "expected_close_date": deal.expected_close_date,
        "state": "won",
        "stage": 99,
        "grade": "A",
        "probability": 100,
    }
    response = browser_as("rep1").post(reverse("opportunities:edit", args=[deal.pk]), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.name == "Renamed"
    assert (deal.state, deal.stage.code, deal.grade, deal.probability) == (
        "open",
        "verify",
        "C",
        10,
    )


def test_only_the_ar_or_a_manager_is_offered_the_triangle_in_the_edit_form(browser_as, deal):
    fields = (
        browser_as("solution")
        .get(reverse("opportunities:edit", args=[deal.pk]))
        .context["form"]
        .fields
    )
    assert "solution_owner" not in fields and "name" in fields
    fields = (
        browser_as("rep1").get(reverse("opportunities:edit", args=[deal.pk])).context["form"].fields
    )
    assert "solution_owner" in fields and "fulfillment_owner" in fields


# The gate ---------------------------------------------------------------------------------------
def test_advancing_with_a_missing_requirement_changes_nothing_and_lists_every_missing_item(
    browser_as, deal
):
    response = browser_as("rep1").post(
        reverse("opportunities:advance", args=[deal.pk]), follow=True, **EN
    )
    deal.refresh_from_db()
    assert deal.stage.code == "verify"
    text = _messages(response)
    assert "At least one decision-chain contact" in text
    assert "Confirm the need, budget and timing with the customer" in text


def test_the_detail_page_shows_the_next_stage_checklist_and_for_fast_track_the_signing_one(
    browser_as, deal
):
    response = browser_as("rep1").get(reverse("opportunities:detail", args=[deal.pk]), **EN)
    targets = [gate["target"].code for gate in response.context["gates"]]
    assert targets == ["approval", "negotiation"]  # grade C may jump to signing
    assert "At least one decision-chain contact" in response.content.decode()


def test_the_move_partial_lists_unmet_items_and_offers_no_confirm_button(browser_as, deal):
    url = reverse("opportunities:move", args=[deal.pk]) + "?to_stage=approval"
    response = browser_as("rep1").get(url, **HTMX, **EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body  # a partial, for the board's dialog
    assert "At least one decision-chain contact" in body
    assert "confirm-move" not in body
    assert reverse("opportunities:advance", args=[deal.pk]) not in body


def test_with_everything_met_the_move_partial_confirms_and_posting_moves_the_card(
    browser_as, deal, org
):
    _meet_approval_gate(deal, org)
    client = browser_as("rep1")
    url = reverse("opportunities:move", args=[deal.pk]) + "?to_stage=approval"
    body = client.get(url, **HTMX).content.decode()
    assert "confirm-move" in body
    assert reverse("opportunities:advance", args=[deal.pk]) in body
    board = reverse("opportunities:board")
    response = client.post(
        reverse("opportunities:advance", args=[deal.pk]), {"to_stage": "approval", "next": board}
    )
    assert response["Location"] == board
    deal.refresh_from_db()
    assert deal.stage.code == "approval"
    columns = {c["stage"].code: c["cards"] for c in client.get(board).context["columns"]}
    assert [card.pk for card in columns["approval"]] == [deal.pk]
    assert columns["verify"] == []


def test_the_move_page_works_without_javascript(browser_as, deal):
    response = browser_as("rep1").get(
        reverse("opportunities:move", args=[deal.pk]), {"to_stage": "approval"}
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_a_move_backwards_or_to_an_unknown_stage_is_explained_not_a_500(browser_as, deal):
    client = browser_as("rep1")
    for code in ("verify", "nonsense"):
        response = client.get(
            reverse("opportunities:move", args=[deal.pk]), {"to_stage": code}, **HTMX
        )
        assert response.status_code == 200
        assert "confirm-move" not in response.content.decode()


def test_the_triangle_sees_the_checklist_but_only_the_ar_or_a_manager_may_move(
    browser_as, deal, org
):
    _meet_approval_gate(deal, org)
    url = reverse("opportunities:move", args=[deal.pk]) + "?to_stage=approval"
    assert "confirm-move" not in browser_as("solution").get(url, **HTMX).content.decode()
    browser_as("solution").post(reverse("opportunities:advance", args=[deal.pk]))
    deal.refresh_from_db()
    assert deal.stage.code == "verify"


# Tasks, chain, competitors, activities ------------------------------------------------------------
def test_the_assignee_completes_a_task_from_the_page(browser_as, deal):
    task = deal.tasks.get(code="verify_need")
    page = browser_as("rep1").get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    url = reverse("opportunities:task_complete", args=[deal.pk, "verify_need"])
    assert url in page
    browser_as("rep1").post(url, {"note": "Budget approved by the CFO"})
    task.refresh_from_db()
    assert task.done_at is not None and task.note == "Budget approved by the CFO"


def test_the_decision_chain_form_adds_an_existing_or_a_new_contact(browser_as, deal):
    existing = ContactFactory(customer=deal.customer, name="Li Wei")
    client = browser_as("rep1")
    url = reverse("opportunities:chain_add", args=[deal.pk])
    client.post(url, {"contact": existing.pk, "role": "technical", "attitude": "neutral"})
    client.post(
        url,
        {
            "new_name": "Wang Fang",
            "new_title": "CIO",
            "role": "decision_maker",
            "attitude": "supporter",
        },
    )
    chain = dict(deal.decision_chain.values_list("contact__name", "role"))
    assert chain == {"Li Wei": "technical", "Wang Fang": "decision_maker"}
    assert Contact.objects.get(name="Wang Fang").customer == deal.customer


def test_a_contact_of_another_customer_is_not_offered_nor_accepted(browser_as, deal):
    stranger = ContactFactory()
    browser_as("rep1").post(
        reverse("opportunities:chain_add", args=[deal.pk]),
        {"contact": stranger.pk, "role": "user", "attitude": "neutral"},
    )
    assert not deal.decision_chain.exists()


def test_competitors_and_visits_are_recorded_from_the_page(browser_as, deal):
    client = browser_as("solution")
    client.post(reverse("opportunities:competitor_add", args=[deal.pk]), {"name": "Rival AG"})
    client.post(
        reverse("opportunities:activity_add", args=[deal.pk]),
        {"kind": "visit", "note": "Met the plant manager"},
    )
    deal.refresh_from_db()
    assert list(deal.competitors.values_list("name", flat=True)) == ["Rival AG"]
    assert deal.last_visit_at is not None
    page = deal_page(client, deal.pk)
    assert "Rival AG" in page and "Met the plant manager" in page


# Reviews ----------------------------------------------------------------------------------------
def test_the_manager_may_approve_only_when_all_three_assessments_are_there(browser_as, deal, org):
    browser_as("rep1").post(
        reverse("opportunities:review_request", args=[deal.pk]),
        {"kind": "project_approval", "relationship_assessment": "CIO backs us"},
    )
    review = Review.objects.get()
    url = reverse("opportunities:review", args=[review.pk])
    decide = reverse("opportunities:review_decide", args=[review.pk])
    response = browser_as("manager").get(url)
    assert response.context["can_decide"] and not response.context["can_approve"]
    assert 'value="approve"' not in response.content.decode()
    browser_as("manager").post(decide, {"decision": "approve"})
    review.refresh_from_db()
    assert review.state == ReviewState.PENDING

    # Each member of the triangle is offered the form for their own missing part.
    assert browser_as("rep1").get(url).context["assess_form"] is None
    for name, field, text in (
        ("solution", "solution_assessment", "Fits, Rival AG weaker"),
        ("delivery", "delivery_assessment", "Deliverable in Q3"),
    ):
        client = browser_as(name)
        assert list(client.get(url).context["assess_form"].fields) == [field]
        client.post(reverse("opportunities:review_assess", args=[review.pk]), {field: text})

    response = browser_as("manager").get(url)
    assert response.context["can_approve"]
    assert 'value="approve"' in response.content.decode()
    browser_as("manager").post(decide, {"decision": "approve"})
    review.refresh_from_db()
    assert review.state == ReviewState.APPROVED and review.decided_by == org.manager


def test_a_rejection_needs_a_reason_and_the_ar_cannot_decide(browser_as, deal):
    review = services.request_review(opportunity=deal, user=deal.owner, kind="project_approval")
    decide = reverse("opportunities:review_decide", args=[review.pk])
    response = browser_as("rep1").post(decide, {"decision": "reject", "comment": "no"}, follow=True)
    assert _messages(response)
    browser_as("manager").post(decide, {"decision": "reject", "comment": ""})
    review.refresh_from_db()
    assert review.state == ReviewState.PENDING
    browser_as("manager").post(decide, {"decision": "reject", "comment": "Budget not confirmed"})
    review.refresh_from_db()
    assert review.state == ReviewState.REJECTED


def test_the_inbox_lists_reviews_to_decide_and_recently_decided(browser_as, deal, org):
    waiting = services.request_review(opportunity=deal, user=org.rep1, kind="project_approval")
    other = opportunity(org.rep2)
    decided = services.request_review(opportunity=other, user=org.rep2, kind="contract")
    services.decide_review(review=decided, user=org.manager, approve=False, comment="Too early")
    response = browser_as("manager").get(reverse("opportunities:reviews"))
    assert list(response.context["pending"]) == [waiting]
    assert list(response.context["decided"]) == [decided]
    assert list(browser_as("rep1").get(reverse("opportunities:reviews")).context["pending"]) == []


# Closing and grading ------------------------------------------------------------------------------
def test_losing_without_reason_and_lessons_is_refused_naming_both(browser_as, deal):
    response = browser_as("rep1").post(
        reverse("opportunities:lose", args=[deal.pk]), {"outcome": "lost"}, follow=True, **EN
    )
    deal.refresh_from_db()
    assert deal.state == OpportunityState.OPEN
    text = _messages(response)
    assert "reason category" in text and "Lessons learned" in text


def test_losing_and_abandoning_through_the_form(browser_as, deal, org):
    browser_as("rep1").post(
        reverse("opportunities:lose", args=[deal.pk]),
        {
            "outcome": "lost",
            "reason": "price",
            "competitor": "Rival AG",
            "lessons": "Too expensive",
        },
    )
    deal.refresh_from_db()
    assert (deal.state, deal.loss_reason, deal.loss_competitor) == ("lost", "price", "Rival AG")
    other = opportunity(org.rep1)
    browser_as("manager").post(
        reverse("opportunities:lose", args=[other.pk]),
        {"outcome": "abandoned", "reason": "budget", "lessons": "Qualify the budget first"},
    )
    other.refresh_from_db()
    assert other.state == OpportunityState.ABANDONED


def test_the_lose_form_asks_for_confirmation(browser_as, deal):
    page = browser_as("rep1").get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    form_start = page.index(reverse("opportunities:lose", args=[deal.pk]))
    assert "data-confirm=" in page[form_start : form_start + 300]


def test_only_a_manager_raises_the_grade(browser_as, deal):
    url = reverse("opportunities:regrade", args=[deal.pk])
    browser_as("rep1").post(url, {"grade": "A", "reason": "Flagship"})
    deal.refresh_from_db()
    assert deal.grade == "C"
    browser_as("manager").post(url, {"grade": "A", "reason": "Flagship plant"})
    deal.refresh_from_db()
    assert deal.grade == "A" and deal.grade_raised
    page = deal_page(browser_as("manager"), deal.pk)
    assert "Flagship plant" in page


def test_a_partner_deal_is_won_from_its_approved_registration(browser_as, org):
    deal = opportunity(org.rep1, partner="Agent Co", stage_code="approved")
    browser_as("rep1").post(reverse("opportunities:win", args=[deal.pk]))
    deal.refresh_from_db()
    assert deal.state == OpportunityState.WON


# Bounded queries ----------------------------------------------------------------------------------
def _many_deals(org, rows: int) -> None:
    """Rows inserted in bulk, spread over stages, owners, customers and cadence warnings."""
    template = opportunity(org.rep1)
    stages = list(Stage.objects.filter(process=template.process).order_by("order"))
    customers = [CustomerFactory(owner=org.rep1, team=org.team1) for _ in range(5)]
    now = timezone.now()
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                name=f"Bulk {i}",
                customer=customers[i % 5],
                amount=Decimal(100000 + i),
                expected_close_date=timezone.localdate(),
                grade="D",
                process=template.process,
                stage=stages[i % len(stages)],
                probability=10,
                owner=(org.rep1, org.rep2)[i % 2],
                solution_owner=org.solution,
                team=org.team1,
                stage_entered_at=now - timedelta(days=i),
                cadence_warned_at=now if i % 3 == 0 else None,
            )
            for i in range(rows)
        ]
    )


@pytest.mark.parametrize("rows", [5, 200])
def test_board_and_list_run_a_bounded_number_of_queries(
    browser_as, org, rows, django_assert_max_num_queries
):
    _many_deals(org, rows)
    for name in ("rep1", "manager", "solution", "admin"):
        client = browser_as(name)
        for page in ("opportunities:board", "opportunities:list", "opportunities:reviews"):
            with django_assert_max_num_queries(12):
                assert client.get(reverse(page)).status_code == 200
        # The workbench gathers a few queries per panel of every app (tests/ui/test_workbench.py);
        # +1 for "My day", +1 for the stage cadences of the computed visit lateness, +1 for the
        # reviews waiting for one's assessment, +1 for the contracts waiting for signature.
        with django_assert_max_num_queries(28):
            assert client.get(reverse("home")).status_code == 200
    board = browser_as("manager").get(reverse("opportunities:board"))
    columns = board.context["columns"]
    # Each column shows at most BOARD_CARDS_PER_STAGE cards and counts the others.
    assert sum(c["count"] for c in columns) == rows + 1
    assert all(len(c["cards"]) == min(c["count"], 50) for c in columns)


def test_the_list_counts_nothing_and_pages_by_reading_one_row_more(browser_as, org):
    # Issue 20: the list's COUNT(*) was most of its time at scale; the page reads 51 rows instead.
    _many_deals(org, 60)  # and the template deal: 61 visible to the manager
    client = browser_as("manager")
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("opportunities:list"), **EN)
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"] and "opportunities_opportunity" in q["sql"]
    ]
    assert counts == []
    page = first.context["page"]
    assert (len(page.object_list), page.has_next, page.has_previous) == (50, True, False)
    assert "Page 1" in first.content.decode()
    second = client.get(reverse("opportunities:list"), {"page": "2"}).context["page"]
    assert (len(second.object_list), second.has_next, second.has_previous) == (11, False, True)
    names = {o.name for o in page.object_list} | {o.name for o in second.object_list}
    assert len(names) == 61
    for bad in ("0", "x", "-1", "²", "1" * 5000):
        assert client.get(reverse("opportunities:list"), {"page": bad}).context["page"].number == 1
    # A number no reader pages to (PostgreSQL's bigint overflowed on it): an empty last page.
    far = client.get(reverse("opportunities:list"), {"page": "9" * 20}).context["page"]
    assert (far.number, far.object_list, far.has_next) == (Page.LAST, [], False)


def test_the_board_filters_by_owner_and_team(browser_as, org):
    _many_deals(org, 6)
    client = browser_as("manager")
    board = client.get(reverse("opportunities:board"), {"owner": org.rep2.pk})
    cards = [card for c in board.context["columns"] for card in c["cards"]]
    assert cards and {card.owner_id for card in cards} == {org.rep2.pk}
    board = client.get(reverse("opportunities:board"), {"team": org.team2.pk, "owner": "x"})
    assert board.status_code == 200
    assert not [card for c in board.context["columns"] for card in c["cards"]]


def _grow_every_family(deal, org, tag: str, n: int) -> None:
    """``n`` more rows of every kind the deal page and its panels list."""
    from ltc.activity.services import notify

    from ..activity.test_planned_activities import plan
    from ..contracts.steps import product_id, standard_book

    for i in range(n):
        services.log_activity(opportunity=deal, user=org.rep1, kind="call", note=f"call {tag}{i}")
        services.add_competitor(opportunity=deal, user=org.rep1, name=f"Rival {tag}{i}")
        services.add_decision_maker(
            opportunity=deal,
            user=org.rep1,
            contact=ContactFactory(customer=deal.customer),
            role="user",
            attitude="neutral",
        )
        services.update_opportunity(opportunity=deal, by=org.rep1, amount=Decimal(150000 + i))
        plan(org.rep1, deal, "opportunity", title=f"Visit {tag}{i}")
        contract_services.create_quote(
            opportunity=deal,
            by=org.rep1,
            valid_until=timezone.localdate() + timedelta(days=30),
            price_book=standard_book(),
            lines=[{"product": product_id("PLC-9"), "quantity": "1", "discount_percent": "0"}],
        )
        for user in (org.rep1, org.manager, org.solution, org.delivery, org.admin):
            notify([user], kind="lead_due_soon", params={"title": "T", "due": "x"})


def _page_and_panel_counts(client, deal_id: int) -> dict[str, int]:
    counts = {}
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("opportunities:detail", args=[deal_id])).content.decode()
    counts["page"] = len(page)
    for name in PANELS:
        assert f'id="panel-{name}"' in html, name  # every role's page loads every panel
        with CaptureQueriesContext(connection) as panel:
            assert deal_panel(client, deal_id, name).status_code == 200
        counts[name] = len(panel)
    return counts


# The page itself (issue 20): session, user, team tree, the deal (with the grading threshold and
# the header's unread count folded in), tasks, decision chain, competitors, reviews, the
# process's stages with their requirements, the customer's contacts for the chain form.
PAGE_QUERIES = 10
# Each lazy panel: the same first four (session, user, team tree, the deal), then its own rows:
# tenders + quotes + contract; activities + stage moves + the stages they name; stage history +
# grade changes + field history (entries, the users and stages they name); planned activities
# (open, done, and their subjects' content types the first time) + files.
PANEL_QUERIES = {"commercials": 7, "timeline": 7, "history": 9, "plans": 8}


def test_the_deal_page_and_its_panels_run_a_fixed_number_of_queries_for_every_role(
    browser_as, deal, org
):
    clients = {name: browser_as(name) for name in sorted(SEES_THE_DEAL)}
    _grow_every_family(deal, org, "a", 2)
    _page_and_panel_counts(clients["rep1"], deal.pk)  # the content types, read once a process
    before = {name: _page_and_panel_counts(client, deal.pk) for name, client in clients.items()}
    _grow_every_family(deal, org, "b", 12)
    for name, client in clients.items():
        after = _page_and_panel_counts(client, deal.pk)
        assert after == before[name], name  # flat: fourteen rows of each kind cost what two did
        assert after["page"] <= PAGE_QUERIES, (name, after)
        for panel, bound in PANEL_QUERIES.items():
            assert after[panel] <= bound, (name, panel, after)
    # The rows are all there: the page's families and the panels' rows.
    page = deal_page(clients["rep1"], deal.pk, **EN)
    for tag, n in (("a", 2), ("b", 12)):
        for i in range(n):
            for text in (f"Rival {tag}{i}<", f"call {tag}{i}<", f"Visit {tag}{i}<"):
                assert text in page, text
    quotes = Quote.objects.filter(opportunity=deal)
    assert quotes.count() == 14
    assert all(reverse("contracts:quote_detail", args=[q.pk]) in page for q in quotes)
    assert 'id="field-history"' in page and 'id="tenders"' in page and 'id="plans"' in page
    # The header's count, folded into the deal's query, is the viewer's real unread count.
    assert '<span class="badge">14</span>' in page


def test_a_panel_of_a_deal_one_does_not_see_is_a_404_and_without_htmx_the_page_answers(
    browser_as, deal
):
    for name in PANELS:
        assert deal_panel(browser_as("rep2"), deal.pk, name).status_code == 404
    client = browser_as("rep1")
    url = reverse("opportunities:detail", args=[deal.pk])
    # The files panel sends uploads back to its own address: without htmx, the whole page.
    whole = client.get(url, {"panel": "plans"})
    assert whole.status_code == 200 and 'id="panel-plans"' in whole.content.decode()
    panel = deal_panel(client, deal.pk, "plans")
    assert "<html" not in panel.content.decode() and 'id="plans"' in panel.content.decode()
    assert "HX-Request" in panel["Vary"] and "HX-Request" in whole["Vary"]


def test_the_detail_page_query_count_does_not_grow_with_its_history(
    browser_as, deal, org, django_assert_max_num_queries
):
    for i in range(20):
        services.log_activity(opportunity=deal, user=org.rep1, kind="call", note=f"call {i}")
        services.add_competitor(opportunity=deal, user=org.rep1, name=f"Rival {i}")
        services.add_decision_maker(
            opportunity=deal,
            user=org.rep1,
            contact=ContactFactory(customer=deal.customer),
            role="user",
            attitude="neutral",
        )
    client = browser_as("rep1")
    # Issue 20: ten. The other apps' panels, the timeline and the histories load right after the
    # page (htmx, ``opportunities/views/panels.py``), each pinned on its own below.
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(reverse("opportunities:detail", args=[deal.pk])).status_code == 200
    for name, bound in PANEL_QUERIES.items():
        with django_assert_max_num_queries(bound):
            assert deal_panel(client, deal.pk, name).status_code == 200


def test_the_boards_cards_escape_what_users_typed(browser_as, org):
    # The cards are written by the view (opportunities/views.py, _cards_html), not by the
    # template engine: every typed value must still arrive escaped.
    customer = CustomerFactory(owner=org.rep1, team=org.rep1.team, name='Tom & "Jerry" <Ltd>')
    deal = opportunity(org.rep1, customer=customer, name="<script>alert(1)</script>")
    body = browser_as("rep1").get(reverse("opportunities:board")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Tom &amp; &quot;Jerry&quot; &lt;Ltd&gt;" in body
    assert reverse("opportunities:detail", args=[deal.pk]) in body
