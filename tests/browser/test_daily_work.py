"""The daily work tool in Chromium: a rep plans a visit from a late deal, completes it with an
outcome and sees the cadence warning clear; the SR finds the review on the workbench and
assesses it in one click."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from ltc.activity.models import PlannedActivity
from opportunities import services as deals
from opportunities.models import Opportunity, Review, ReviewKind

from .conftest import panels_loaded

pytestmark = pytest.mark.django_db(transaction=True)

LATE = "Visit overdue for this stage's cadence"


def test_a_rep_plans_and_completes_a_visit_and_the_sr_assesses_the_review(login):
    deal = (
        Opportunity.objects.filter(
            owner__username="rep1", state="open", solution_owner__username="solution"
        )
        .exclude(reviews__state="pending")
        .order_by("id")
        .first()
    )
    assert deal is not None, "the demo has an open deal of rep1 with the SR"
    # Last visited four months ago: late for any stage's cadence.
    Opportunity.objects.filter(pk=deal.pk).update(
        last_visit_at=timezone.now() - timedelta(days=120)
    )

    rep = login("rep1")
    page = rep.go(f"/opportunities/{deal.pk}/")
    assert LATE in page.locator("main").inner_text()

    plan = page.locator("#plans form[action='/activities/plan/']")
    plan.locator("[name=kind]").select_option("visit")
    plan.locator("[name=title]").fill("Walk the plant with the COO")
    # Later today (or, a few minutes before midnight, just now): on "My day" either way.
    now = timezone.localtime()
    soon = now + timedelta(minutes=10)
    due = (soon if soon.date() == now.date() else now).strftime("%Y-%m-%dT%H:%M")
    plan.locator("[name=due_at]").fill(due)
    plan.locator("button[type=submit]").click()  # htmx swaps the panel in place
    row = page.locator("#plans li", has_text="Walk the plant with the COO")
    row.wait_for()
    assert page.url.endswith(f"/opportunities/{deal.pk}/")

    planned = PlannedActivity.objects.get(title="Walk the plant with the COO")
    home = rep.go("/")
    assert "Walk the plant with the COO" in home.locator("main").inner_text()

    page = rep.go(f"/opportunities/{deal.pk}/")
    outcome = page.locator(f"#outcome-{planned.pk}")
    outcome.fill("The COO wants a pilot line in Q3")
    page.locator(f"form[action='/activities/{planned.pk}/complete/'] button").click()
    page.locator("#plans", has_text="Recently done").wait_for()
    page.reload()
    panels_loaded(page)  # the timeline is one of the deal page's lazy panels
    text = page.locator("main").inner_text()
    assert LATE not in text
    assert "The COO wants a pilot line in Q3" in text  # logged on the deal's timeline

    # The review asks its assessors.
    review = deals.request_review(
        opportunity=Opportunity.objects.get(pk=deal.pk),
        user=deal.owner,
        kind=ReviewKind.PROJECT_APPROVAL,
        relationship_assessment="The COO backs us",
    )
    sr = login("solution")
    home = sr.go("/")
    panel = home.locator("section", has_text="Reviews waiting for your assessment")
    link = panel.locator(f"a[href='/opportunities/reviews/{review.pk}/#assess']")
    with home.expect_navigation():
        link.click()
    assert re.search(rf"/opportunities/reviews/{review.pk}/#assess$", home.url)
    form = home.locator("#assess form")
    form.locator("[name=solution_assessment]").fill("Our line fits their throughput")
    with home.expect_navigation():
        form.locator("button[type=submit]").click()
    assert Review.objects.get(pk=review.pk).solution_assessment == (
        "Our line fits their throughput"
    )
    home = sr.go("/")
    panel = home.locator("section", has_text="Reviews waiting for your assessment")
    assert panel.locator(f"a[href='/opportunities/reviews/{review.pk}/#assess']").count() == 0
