"""The board's drop dialog fixes what a move still needs without leaving the board, and the
small things of issue 22: a Claim the rep cannot use says why (before the click, by the claim
service's own rule, in a bounded number of queries), phone numbers and addresses are tel: and
mailto: links, filter cards fold away on phones, the pages carry a favicon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from leads.claims import claim_limits
from ltc.core.templatetags.ltc_links import email_link, phone_link
from opportunities.models import Review

from ..factories import LeadFactory, held_lead, opportunity

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def deal(org):
    return opportunity(
        org.rep1, name="CNC line", solution_owner=org.solution, fulfillment_owner=org.delivery
    )


def _move_url(deal, stage: str = "approval") -> str:
    return reverse("opportunities:move", args=[deal.pk]) + f"?to_stage={stage}"


def test_the_drop_dialog_marks_a_missing_task_done_and_shows_the_checklist_again(browser_as, deal):
    client = browser_as("rep1")
    move = _move_url(deal)
    done = reverse("opportunities:task_complete", args=[deal.pk, "verify_need"])
    body = client.get(move, **HTMX, **EN).content.decode()
    assert f'hx-post="{done}"' in body and 'hx-target="#move-body"' in body
    assert f'name="next" value="{move}"' in body.replace("&amp;", "&")

    response = client.post(done, {"note": "called", "next": move}, follow=True, **HTMX, **EN)
    body = response.content.decode()
    assert "<html" not in body  # the dialog's partial again, not a page
    assert "Task done." in body
    assert f'hx-post="{done}"' not in body  # the task no longer waits
    assert deal.tasks.get(code="verify_need").done_at is not None


def test_the_drop_dialog_requests_a_missing_review_in_place(browser_as, deal):
    client = browser_as("rep1")
    move = _move_url(deal, "needs_analysis")  # the stage whose gate asks for the review
    request = reverse("opportunities:review_request", args=[deal.pk])
    body = client.get(move, **HTMX, **EN).content.decode()
    assert f'hx-post="{request}"' in body and 'value="project_approval"' in body
    response = client.post(
        request, {"kind": "project_approval", "next": move}, follow=True, **HTMX, **EN
    )
    assert "<html" not in response.content.decode()
    assert Review.objects.filter(opportunity=deal, kind="project_approval").count() == 1


def test_the_move_page_without_javascript_posts_the_same_fixes_and_comes_back(browser_as, deal):
    client = browser_as("rep1")
    move = _move_url(deal)
    body = client.get(move, **EN).content.decode()
    assert "hx-post" not in body  # a plain form on the full page
    done = reverse("opportunities:task_complete", args=[deal.pk, "verify_need"])
    response = client.post(done, {"next": move})
    assert response["Location"] == move


def test_a_claim_over_the_limit_is_disabled_and_says_why(
    browser_as, org, django_assert_max_num_queries
):
    pool = org.region_pool
    pool.max_held = 1
    pool.save()
    held_lead(org.rep1, pool=pool)
    lead = LeadFactory(pool=pool, title="Pooled lead")
    client = browser_as("rep1")
    page = client.get(reverse("leads:pool"), **EN).content.decode()
    assert f'id="why-lead-{lead.pk}"' in page
    assert "You hold 1 leads; the limit is 1." in page
    assert reverse("leads:claim", args=[lead.pk]) not in page
    # The same words the service answers with, from the same rule.
    assert [m.code for m in claim_limits(lead=lead, user=org.rep1, now=lead.created_at)] == [
        "max_held"
    ]
    # A rep under the limit gets the button; the page's queries do not grow with its rows.
    other = browser_as("rep2")
    with django_assert_max_num_queries(40) as few:
        other.get(reverse("leads:pool"))
    LeadFactory.create_batch(6, pool=pool)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = other.get(reverse("leads:pool")).content.decode()
    assert reverse("leads:claim", args=[lead.pk]) in page


def test_phone_numbers_and_addresses_are_links_and_stay_escaped(browser_as, org):
    lead = held_lead(org.rep1, phone="139 1234-0021", email="gu@example.com")
    page = browser_as("rep1").get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert '<a href="tel:13912340021">139 1234-0021</a>' in page
    assert '<a href="mailto:gu@example.com">gu@example.com</a>' in page
    assert phone_link("+86 <b>21</b>") == '<a href="tel:+8621">+86 &lt;b&gt;21&lt;/b&gt;</a>'
    assert phone_link("ask reception") == "ask reception"
    assert email_link('"><script>@x') == (
        '<a href="mailto:&quot;&gt;&lt;script&gt;@x">&quot;&gt;&lt;script&gt;@x</a>'
    )


def test_filter_cards_fold_on_phones_unless_a_filter_is_in_use(browser_as, org):
    client = browser_as("rep1")
    page = client.get(reverse("leads:pool")).content.decode()
    assert "data-phone-collapsed open>" in page
    page = client.get(reverse("leads:pool"), {"source": "website"}).content.decode()
    assert "data-phone-collapsed open data-active>" in page


def test_every_page_carries_the_favicon(browser_as, org):
    page = browser_as("rep1").get(reverse("home")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    assert finders.find("favicon.svg")
