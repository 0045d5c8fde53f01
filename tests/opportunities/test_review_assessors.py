"""Reviews ask their assessors: the SR and FR hear of a pending review and find it on their
workbench, one click from the assessment form; the requester and the manager see who is still
missing. Approved contracts waiting for signature and quotes waiting for approval say whom they
wait for."""

# ruff: noqa: F811 - ``deal`` is test_reviews' fixture, imported to be shared, used as an argument

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ltc.activity.models import Notification
from ltc.core.workbench import panels_for
from opportunities import services
from opportunities.models import Review, ReviewKind

from .test_reviews import deal, request  # noqa: F401  the same deal and request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def panel(user, title):
    found = [p for p in panels_for(user) if str(p["title"]) == title]
    return found[0] if found else None


def test_the_sr_and_fr_are_notified_with_a_link_to_the_form(org, deal):
    review = request(deal, org.rep1, relationship_assessment="CIO backs us")
    asked = Notification.objects.filter(kind="review_assessment_requested")
    assert sorted(asked.values_list("recipient__username", flat=True)) == ["delivery", "solution"]
    assert {n.url for n in asked} == {f"/opportunities/reviews/{review.pk}/#assess"}
    assert "asks for your assessment" in asked.first().text


def test_the_requester_is_not_asked_for_what_they_wrote(org, deal):
    request(deal, org.solution, solution_assessment="Fits")
    asked = Notification.objects.filter(kind="review_assessment_requested")
    assert sorted(asked.values_list("recipient__username", flat=True)) == ["delivery", "rep1"]


@pytest.mark.parametrize("who", ["solution", "delivery"])
def test_a_pending_review_is_on_the_assessors_workbench_until_assessed(org, deal, who):
    review = request(deal, org.rep1, relationship_assessment="CIO backs us")
    found = panel(org.user(who), "Reviews waiting for your assessment")
    assert [i["url"] for i in found["items"]] == [
        reverse("opportunities:review", args=[review.pk]) + "#assess"
    ]
    field = {"solution": "solution_assessment", "delivery": "delivery_assessment"}[who]
    services.assess_review(review=review, user=org.user(who), **{field: "Done"})
    assert panel(org.user(who), "Reviews waiting for your assessment")["items"] == []


def test_other_people_do_not_get_the_review_to_assess(org, deal):
    request(deal, org.rep1, relationship_assessment="CIO backs us")
    for who in ("rep2", "rep3", "manager"):
        found = panel(org.user(who), "Reviews waiting for your assessment")
        assert found is None or found["items"] == []


def test_one_click_from_the_workbench_to_the_assessment_form(org, deal, browser_as):
    review = request(deal, org.rep1, relationship_assessment="CIO backs us")
    client = browser_as("solution")
    home = client.get(reverse("home")).content.decode()
    link = reverse("opportunities:review", args=[review.pk]) + "#assess"
    assert f'href="{link}"' in home
    page = client.get(reverse("opportunities:review", args=[review.pk])).content.decode()
    assert 'id="assess"' in page and "Save assessment" in page


def test_the_requester_and_the_manager_see_who_is_still_missing(org, deal, browser_as):
    review = request(deal, org.rep1, relationship_assessment="CIO backs us")
    assert review.waiting_for == f"SR {org.solution}, FR {org.delivery}"
    for who in ("rep1", "manager"):
        page = browser_as(who).get(reverse("opportunities:review", args=[review.pk]))
        assert f"Still waiting for the assessments of: SR {org.solution}, FR {org.delivery}" in (
            page.content.decode()
        )
    decide = panel(org.manager, "Reviews waiting for your decision")
    assert decide["items"][0]["note"] == (
        f"{deal.name} · waiting for SR {org.solution}, FR {org.delivery}"
    )
    services.assess_review(review=review, user=org.solution, solution_assessment="Fits")
    assert Review.objects.get(pk=review.pk).waiting_for == f"FR {org.delivery}"


def test_a_registration_waits_for_no_sr_or_fr(org):
    from opportunities.models import Review as R

    review = R(kind=ReviewKind.REGISTRATION, state="pending", relationship_assessment="ok")
    assert review.missing_assessors() == []


def test_the_workbench_with_reviews_runs_bounded_queries(org, deal, django_assert_max_num_queries):
    request(deal, org.rep1, relationship_assessment="CIO backs us")
    for who in ("solution", "manager"):
        with django_assert_max_num_queries(30):
            panels_for(org.user(who))


def test_contracts_waiting_for_signature_and_quotes_for_approval_say_whom(org):
    from contracts.models import QuoteState

    from ..contracts.steps import approved, signing_deal

    signing = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    approved(signing, org)
    waiting = panel(org.manager, "Contracts of your teams waiting for signature")
    assert [i["note"] for i in waiting["items"]] == [
        f"{signing.customer.name} · waiting for AR {org.rep1}"
    ]

    from contracts import services as contract_services

    from ..contracts.test_quotes import discounted, quote

    q = contract_services.submit_quote(
        quote=quote(
            signing_deal(org.rep1),
            org.rep1,
            lines=discounted("20"),
            valid_until=timezone.localdate() + timedelta(days=30),
        ),
        by=org.rep1,
    )
    assert q.state == QuoteState.PENDING_APPROVAL
    mine = panel(org.rep1, "My quotes awaiting discount approval")
    assert [str(i["note"]).split(" · ")[1] for i in mine["items"]] == [f"waiting for {org.manager}"]
