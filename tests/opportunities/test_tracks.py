"""A deal never stands in a stage whose gates, for its current grade, it has not passed
(``opportunities.tracks``), and a won deal is worth its signed contract. The ways a rep under
quota would try around them, through the services, the API and the browser forms."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services as contracts
from contracts.models import Contract
from ltc.activity.models import Notification, TransitionLog
from ltc.core.errors import NotAllowed, TransitionRefused
from opportunities import services, tracks
from opportunities.models import Opportunity, OpportunityState, StageHistory

from ..contracts.steps import TERMS, approved, signed, signing_deal
from ..factories import opportunity
from .steps import fresh, meet, missing_codes

B_AMOUNT = Decimal("1200000")
D_AMOUNT = Decimal("150000")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def fast_tracked(org, amount=D_AMOUNT) -> Opportunity:
    """A deal that went from stage 1 straight to signing as a small (D) deal: its SR and FR on
    it, the signing stage's gate and the skipped stages' fast-track items met."""
    deal = opportunity(org.rep1, amount=amount)
    services.update_opportunity(
        opportunity=deal, by=org.rep1, solution_owner=org.solution, fulfillment_owner=org.delivery
    )
    _target, items, _missing = services.gate(fresh(deal), "negotiation")
    for item in items:
        if not item.met:
            meet(deal, item.code, org)
    moved = services.advance(opportunity=fresh(deal), user=org.rep1, to_stage="negotiation")
    assert moved.stage.code == "negotiation"
    return fresh(moved)


def stages_of(deal) -> list[str]:
    return list(
        StageHistory.objects.filter(opportunity=deal)
        .order_by("id")
        .values_list("stage__code", flat=True)
    )


# 1. The gates of the track --------------------------------------------------------------------
def test_the_issue_example_lower_jump_raise_sends_the_deal_back_to_the_first_stage(org):
    """A B deal lowered to D takes the fast track to signing, then is raised back to B: it may
    not stay in negotiation without the project approval it never passed."""
    deal = opportunity(org.rep1, amount=B_AMOUNT)
    assert deal.grade == "B"
    services.update_opportunity(opportunity=deal, by=org.rep1, amount=D_AMOUNT)
    deal = fast_tracked_from(org, deal)

    raised = services.update_opportunity(opportunity=deal, by=org.rep1, amount=B_AMOUNT)

    deal = fresh(raised)
    assert (deal.grade, deal.stage.code, deal.probability) == ("B", "verify", 10)
    assert stages_of(deal) == ["verify", "negotiation", "verify"]
    back = StageHistory.objects.filter(opportunity=deal).latest("id")
    assert back.exited_at is None and back.evidence[0]["code"] == "track"
    assert "2 " in back.evidence[0]["label"] and "6 " in back.evidence[0]["label"]
    log = TransitionLog.objects.filter(transition="back").get()
    assert (log.source, log.target, log.actor) == ("negotiation", "verify", org.rep1)
    assert "1,200,000.00" in log.comment
    assert raised.sent_back["stage"] == "verify"
    # The manager hears of it; the next move is the project approval's gate, stage by stage.
    assert Notification.objects.filter(recipient=org.manager, kind="opportunity_sent_back").exists()
    refusal = _refused(
        lambda: services.advance(opportunity=deal, user=org.rep1, to_stage="negotiation")
    )
    assert "track" in missing_codes(refusal)
    assert tracks.skipped_stages(deal) == []


def fast_tracked_from(org, deal) -> Opportunity:
    services.update_opportunity(
        opportunity=deal, by=org.rep1, solution_owner=org.solution, fulfillment_owner=org.delivery
    )
    _target, items, _missing = services.gate(fresh(deal), "negotiation")
    for item in items:
        if not item.met:
            meet(deal, item.code, org)
    return fresh(services.advance(opportunity=fresh(deal), user=org.rep1, to_stage="negotiation"))


def _refused(call) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        call()
    return caught.value


def test_a_manager_raising_a_fast_tracked_deal_to_a_sends_it_back_too(org):
    deal = fast_tracked(org)

    services.regrade(opportunity=deal, user=org.manager, grade="A", reason="Flagship customer")

    deal = fresh(deal)
    assert (deal.grade, deal.grade_raised, deal.stage.code) == ("A", True, "verify")
    assert "Flagship customer" in TransitionLog.objects.get(transition="back").comment


def test_a_deal_that_passed_every_gate_keeps_its_stage_when_it_grows(org):
    deal = opportunity(org.rep1, amount=D_AMOUNT, stage_code="bidding")

    grown = services.update_opportunity(opportunity=deal, by=org.rep1, amount=B_AMOUNT)

    assert (fresh(grown).grade, fresh(grown).stage.code) == ("B", "bidding")
    assert getattr(grown, "sent_back", None) is None
    assert not TransitionLog.objects.filter(transition="back").exists()


def test_growing_within_the_fast_track_keeps_the_jump(org):
    deal = fast_tracked(org)

    services.update_opportunity(opportunity=deal, by=org.rep1, amount=Decimal("900000"))

    assert (fresh(deal).grade, fresh(deal).stage.code) == ("C", "negotiation")


def test_going_back_and_passing_every_gate_lets_a_full_track_deal_reach_signing_again(org):
    deal = fast_tracked(org)
    services.update_opportunity(opportunity=deal, by=org.rep1, amount=B_AMOUNT)
    deal = fresh(deal)

    for stage in (
        "approval",
        "needs_analysis",
        "value_presentation",
        "bid_preparation",
        "bidding",
        "negotiation",
    ):
        _target, items, _missing = services.gate(fresh(deal), stage)
        for item in items:
            if not item.met:
                meet(deal, item.code, org)
        deal = fresh(services.advance(opportunity=fresh(deal), user=org.rep1))
        assert deal.stage.code == stage

    assert tracks.skipped_stages(deal) == []
    assert deal.reviews.filter(kind="project_approval", state="approved").exists()


def test_the_checklist_and_the_edit_form_explain_the_track(org, api, browser_as):
    deal = fast_tracked(org)
    checklist = api("rep1").get(f"/api/v1/opportunities/{deal.pk}/checklist/", **EN).json()
    assert checklist["grade"] == "D"
    assert "fast track" in checklist["track"] and "1,000,000.00" in checklist["track"]

    page = browser_as("rep1").get(reverse("opportunities:edit", args=[deal.pk]), **EN)
    text = page.content.decode()
    assert "This deal took the fast track and skipped 2 Project approval" in text
    assert "takes it back to stage 1 Verify the opportunity" in text


def test_a_full_track_deal_is_told_which_stage_comes_first(org):
    deal = opportunity(org.rep1, amount=B_AMOUNT)

    refusal = _refused(
        lambda: services.advance(opportunity=deal, user=org.rep1, to_stage="negotiation")
    )

    (track,) = [m for m in refusal.missing if m.code == "track"]
    assert "stage 2 Project approval comes first" in str(track.label)


# The same through the API and the browser form ----------------------------------------------
def test_through_the_api_a_raise_after_a_jump_answers_where_the_deal_went_back(org, api):
    deal = fast_tracked(org)

    answer = api("rep1").patch(
        f"/api/v1/opportunities/{deal.pk}/", {"amount": "1200000"}, format="json", **EN
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["grade"], body["stage"]) == ("B", "verify")
    assert body["sent_back"]["stage"] == "verify"
    assert "skipped 2 Project approval" in body["sent_back"]["reason"]
    again = api("rep1").get(f"/api/v1/opportunities/{deal.pk}/").json()
    assert again["sent_back"] is None


def test_through_the_browser_form_a_raise_after_a_jump_is_flashed(org, browser_as):
    deal = fast_tracked(org)
    client = browser_as("rep1")
    form = {
        "name": deal.name,
        "amount": "1200000",
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date.isoformat(),
        "solution_owner": org.solution.pk,
        "fulfillment_owner": org.delivery.pk,
    }

    response = client.post(reverse("opportunities:edit", args=[deal.pk]), form, follow=True, **EN)

    assert response.status_code == 200
    assert (fresh(deal).grade, fresh(deal).stage.code) == ("B", "verify")
    assert "goes back to stage 1 Verify the opportunity" in response.content.decode()


def test_the_admin_cannot_change_what_decides_the_grade(org, client):
    deal = fast_tracked(org)
    client.force_login(org.admin)
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])
    page = client.get(url).content.decode()
    assert 'name="amount"' not in page and 'name="partner"' not in page

    client.post(url, {"name": deal.name, "amount": "9000000"})

    assert (fresh(deal).amount, fresh(deal).grade) == (D_AMOUNT, "D")


# Contracts on a fast-tracked deal -------------------------------------------------------------
def test_a_contract_whose_amount_grades_the_deal_b_is_refused_on_a_fast_tracked_deal(org):
    deal = fast_tracked(org)

    refusal = _refused(
        lambda: contracts.create_contract(
            opportunity=deal, by=org.rep1, amount=B_AMOUNT, payment_terms=TERMS
        )
    )

    assert missing_codes(refusal) == {"track"}
    assert "1,200,000.00 CNY" in str(refusal.missing[0].label)
    assert not Contract.objects.exists()
    # A small contract is fine; raising it to B in the draft is refused the same way.
    contract = contracts.create_contract(
        opportunity=deal, by=org.rep1, amount=D_AMOUNT, payment_terms=TERMS
    )
    refusal = _refused(
        lambda: contracts.update_contract(contract=contract, by=org.rep1, amount=B_AMOUNT)
    )
    assert missing_codes(refusal) == {"track"}
    assert Contract.objects.get().amount == D_AMOUNT


def test_the_contract_refusal_reaches_the_api_and_the_browser_form(org, api, browser_as):
    deal = fast_tracked(org)
    body = {
        "opportunity": deal.pk,
        "amount": "1200000",
        "currency": "CNY",
        "payment_terms": TERMS,
    }
    answer = api("rep1").post("/api/v1/contracts/", body, format="json", **EN)
    assert answer.status_code == 409, answer.content
    assert [m["code"] for m in answer.json()["missing"]] == ["track"]

    data = {
        "title": "Chiller plant",
        "amount": "1200000",
        "currency": "CNY",
        "terms-TOTAL_FORMS": "1",
        "terms-INITIAL_FORMS": "0",
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "1000",
        "terms-0-label": "On acceptance",
        "terms-0-percent": "100",
        "terms-0-trigger": "acceptance",
        "terms-0-days_to_pay": "30",
    }
    page = browser_as("rep1").post(
        reverse("contracts:contract_create", args=[deal.pk]), data, follow=True, **EN
    )
    assert "makes this a grade B deal" in page.content.decode()
    assert not Contract.objects.exists()


# 2. A won deal is worth the signed contract ---------------------------------------------------
def test_signing_books_the_contract_amount_and_keeps_the_estimate(org):
    deal = signing_deal(
        org.rep1, amount=Decimal("800000"), solution=org.solution, delivery=org.delivery
    )

    signed(deal, org, amount=Decimal("650000"))

    deal = fresh(deal)
    assert deal.state == OpportunityState.WON
    assert (deal.amount, deal.currency) == (Decimal("650000.00"), "CNY")
    assert (deal.estimated_amount, deal.estimated_currency) == (Decimal("800000.00"), "CNY")
    assert "estimated 800,000.00 CNY, signed 650,000.00 CNY" in (
        TransitionLog.objects.get(transition="win").comment
    )


def test_raising_the_estimate_before_signing_a_small_contract_books_the_contract(org):
    deal = signing_deal(
        org.rep1, amount=Decimal("300000"), solution=org.solution, delivery=org.delivery
    )
    contract = approved(deal, org, amount=Decimal("300000"))
    services.update_opportunity(opportunity=deal, by=org.rep1, amount=Decimal("4900000"))

    contracts.sign_contract(contract=contract, by=org.rep1)

    deal = fresh(deal)
    assert (deal.amount, deal.estimated_amount) == (Decimal("300000.00"), Decimal("4900000.00"))
    assert deal.grade == "C"


def test_an_applied_change_request_changes_the_won_value(org):
    deal = signing_deal(
        org.rep1, amount=Decimal("800000"), solution=org.solution, delivery=org.delivery
    )
    contract = signed(deal, org, amount=Decimal("650000"))
    change = contracts.request_change(
        contract=contract, by=org.rep1, description="Two more chillers", amount_delta="50000"
    )
    contracts.assess_change(change=change, by=org.delivery, fr_assessment="Deliverable")
    contracts.assess_change(change=change, by=org.solution, sr_assessment="Same model")
    contracts.decide_change(change=change, by=org.manager, approve=True)

    contracts.apply_change(change=change, by=org.rep1)

    deal = fresh(deal)
    assert (deal.amount, deal.estimated_amount) == (Decimal("700000.00"), Decimal("800000.00"))
    log = TransitionLog.objects.get(transition="won_value")
    assert "650,000.00 CNY → 700,000.00 CNY" in log.comment


def test_nobody_edits_a_won_deals_amount(org, api, browser_as):
    deal = signing_deal(
        org.rep1, amount=Decimal("800000"), solution=org.solution, delivery=org.delivery
    )
    signed(deal, org, amount=Decimal("650000"))

    for who in (org.rep1, org.manager, org.admin):
        _refused(
            lambda who=who: services.update_opportunity(
                opportunity=deal, by=who, amount=Decimal("900000")
            )
        )
    answer = api("manager").patch(
        f"/api/v1/opportunities/{deal.pk}/", {"amount": "900000"}, format="json"
    )
    assert answer.status_code == 409
    browser_as("rep1").post(
        reverse("opportunities:edit", args=[deal.pk]),
        {
            "name": deal.name,
            "amount": "900000",
            "currency": "CNY",
            "expected_close_date": deal.expected_close_date.isoformat(),
        },
    )
    assert fresh(deal).amount == Decimal("650000.00")


def test_the_deal_page_shows_the_estimate_and_the_signed_value(org, browser_as):
    deal = signing_deal(
        org.rep1, amount=Decimal("800000"), solution=org.solution, delivery=org.delivery
    )
    signed(deal, org, amount=Decimal("650000"))

    page = browser_as("rep1").get(reverse("opportunities:detail", args=[deal.pk]), **EN)

    assert "Estimated 800,000.00 CNY, signed 650,000.00 CNY." in page.content.decode()
    answer = browser_as("rep1").get(f"/api/v1/opportunities/{deal.pk}/").json()
    assert (answer["amount"], answer["estimated_amount"], answer["amount_note"]) == (
        "650000.00",
        "800000.00",
        "won_value",
    )


def test_the_dashboards_book_the_signed_value(org, api):
    deal = signing_deal(
        org.rep1, amount=Decimal("800000"), solution=org.solution, delivery=org.delivery
    )
    signed(deal, org, amount=Decimal("650000"))
    year = timezone.localdate().year

    win_rate = api("manager").get(f"/api/v1/dashboard/win-rate/?period={year}").json()
    forecast = api("manager").get(f"/api/v1/dashboard/forecast/?period={year}").json()

    assert Decimal(win_rate["won_amount"]) == Decimal("650000"), win_rate
    assert Decimal(forecast["totals"]["won"]) == Decimal("650000"), forecast["totals"]


def test_a_partner_deal_won_on_its_registration_takes_its_contracts_amount(org):
    deal = opportunity(org.rep1, amount=Decimal("500000"), partner="Acme Partner")
    meet(deal, "registration", org)
    services.advance(opportunity=fresh(deal), user=org.rep1)
    services.win_partner_deal(opportunity=fresh(deal), user=org.rep1)
    assert fresh(deal).amount == Decimal("500000.00")
    # Its contract is reviewed by an SR and an FR (set as a fixture would: the deal is closed).
    Opportunity.objects.filter(pk=deal.pk).update(
        solution_owner=org.solution, fulfillment_owner=org.delivery
    )

    signed(deal, org, amount=Decimal("420000"))

    deal = fresh(deal)
    assert (deal.state, deal.amount, deal.estimated_amount) == (
        OpportunityState.WON,
        Decimal("420000.00"),
        Decimal("500000.00"),
    )


def test_only_a_manager_above_the_deal_may_send_it_up_a_grade(org):
    deal = fast_tracked(org)
    with pytest.raises(NotAllowed):
        services.regrade(opportunity=deal, user=org.rep1, grade="A", reason="I say so")
    assert fresh(deal).stage.code == "negotiation"


def test_a_back_dated_history_reads_in_the_order_of_the_moves(org):
    """The run is read in the order the stays were written, whatever their dates say."""
    deal = fast_tracked(org)
    StageHistory.objects.filter(opportunity=deal, stage__code="verify").update(
        entered_at=timezone.now() + timedelta(days=5)
    )
    assert [s.code for s in tracks.current_run(fresh(deal))] == ["verify", "negotiation"]


def test_the_boards_dialog_explains_why_a_full_track_deal_cannot_jump(org, browser_as):
    deal = opportunity(org.rep1, amount=B_AMOUNT)
    url = reverse("opportunities:move", args=[deal.pk]) + "?to_stage=negotiation"

    page = browser_as("rep1").get(url, HTTP_HX_REQUEST="true", **EN).content.decode()

    assert "Grade B: full process." in page
    assert "stage 2 Project approval comes first" in page
    assert "Confirm: move to" not in page
