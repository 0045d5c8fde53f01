"""An escalated contract review, once approved a first time, waits for an approver above the first
one: the first approver no longer decides it anywhere. The page, the inboxes and the API ask the
one rule (``opportunities.services.decision_refused`` and its queryset form); before, the review
page and the reviews inbox forgot the second-approver rule, so the first approver still saw
Approve (and was refused) and still had the review in their inbox."""

import pytest
from django.urls import reverse
from django.utils import translation

from contracts import selectors, services
from contracts.models import ContractState
from ltc.core.errors import NotAllowed
from opportunities import services as deals

from ..factories import UserFactory
from .steps import draft, fresh, submit

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def first_approved(org, deal):
    """rep1's risky contract in review, approved once by the team's manager."""
    contract = submit(draft(deal, org.rep1, is_risky=True), org)
    services.decide_contract(contract=contract, by=org.manager, approve=True)
    return fresh(contract)


def test_the_first_approver_decides_nothing_more_through_the_service(org, first_approved):
    for approve, comment in ((True, ""), (False, "Changed my mind")):
        with translation.override("en"):
            with pytest.raises(NotAllowed) as refused:
                services.decide_contract(
                    contract=first_approved, by=org.manager, approve=approve, comment=comment
                )
            assert "You gave the first approval" in str(refused.value.detail)
    assert fresh(first_approved).state == ContractState.IN_REVIEW


def test_the_first_approver_sees_no_decision_on_the_pages(org, browser_as, first_approved):
    review = first_approved.review
    client = browser_as("manager")

    page = client.get(reverse("opportunities:review", args=[review.pk]), **EN)
    assert page.status_code == 200
    assert page.context["can_decide"] is False and page.context["waits_for_second"] is True
    html = page.content.decode()
    assert reverse("opportunities:review_decide", args=[review.pk]) not in html
    assert "waiting for a manager above them" in html

    contract_page = client.get(reverse("contracts:contract_detail", args=[first_approved.pk]), **EN)
    assert contract_page.context["review"]["can_decide"] is False
    assert contract_page.context["review"]["waits_for_second"] is True

    # the administrator above the manager decides, on both pages
    admin = browser_as("admin")
    assert admin.get(reverse("opportunities:review", args=[review.pk])).context["can_decide"]
    admin_contract = admin.get(reverse("contracts:contract_detail", args=[first_approved.pk]))
    assert admin_contract.context["review"]["can_decide"] is True


def test_the_review_leaves_the_first_approvers_inboxes(org, browser_as, first_approved):
    review = first_approved.review
    manager = browser_as("manager")

    assert review not in manager.get(reverse("opportunities:reviews")).context["pending"]
    assert first_approved not in selectors.approvals_waiting(org.manager)["contracts"]
    assert review in browser_as("admin").get(reverse("opportunities:reviews")).context["pending"]
    assert first_approved in selectors.approvals_waiting(org.admin)["contracts"]


def test_a_leader_above_the_first_approver_has_it_in_their_inbox(org, first_approved):
    director = UserFactory(username="director", role="manager", team=org.region)
    org.region.leader = director
    org.region.save()

    assert first_approved in selectors.approvals_waiting(director)["contracts"]
    assert deals.may_decide(director, first_approved.review)


def test_the_api_lists_and_refuses_as_the_pages_do(org, api, first_approved):
    review = first_approved.review
    url = "/api/v1/reviews/"

    mine = api("manager").get(url, {"to_decide": "true"})
    assert mine.status_code == 200
    assert review.pk not in {row["id"] for row in mine.json()["results"]}
    refused = api("manager").post(
        f"{url}{review.pk}/approve/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 403, refused.content
    assert "You gave the first approval" in refused.json()["detail"]

    admins = api("admin").get(url, {"to_decide": "true"})
    assert review.pk in {row["id"] for row in admins.json()["results"]}
    approved = api("admin").post(f"{url}{review.pk}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    assert fresh(first_approved).state == ContractState.APPROVED
