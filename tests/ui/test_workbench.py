"""The workbench (home page) per role: what each role must act on now, each panel on the user's
own scope, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import QuoteState
from ltc.core.workbench import panels_for

from ..conftest import ROLES
from ..contracts.steps import approved, draft, signing_deal, submit
from ..factories import held_lead, opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions read the English texts (the default language is Simplified Chinese): the
    test client's pages through the language cookie, direct calls through an override."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def panel(user, title: str) -> dict:
    found = [p for p in panels_for(user) if str(p["title"]) == title]
    assert found, f"{user} has no panel {title!r}: {[str(p['title']) for p in panels_for(user)]}"
    return found[0]


def texts(p: dict) -> list[str]:
    return [str(i["text"]) for i in p.get("items", [])] or [
        lead.title for lead in p.get("leads", [])
    ]


EXPECTED = {
    "rep1": {
        "My leads due for follow-up within a day",
        "My open tasks",
        "Opportunities past their visit cadence",
        "My quotes awaiting discount approval",
        "My contracts approved and ready to sign",
    },
    "manager": {
        "Reviews waiting for your decision",
        "Deals stuck in a stage for 60 days or more",
        "Approvals waiting for you",
        "The funnel at a glance",
        "Team leads about to go back to the pool",
    },
    "delivery": {"Units to ship or to have accepted", "My open tasks"},
    "marketing": {"Possible duplicates to merge", "Leads waiting in the pools"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_gets_its_panels(org, role):
    titles = {str(p["title"]) for p in panels_for(org.user(role))}
    assert EXPECTED[role] <= titles
    if role != "manager":
        assert "Approvals waiting for you" not in titles
        assert "The funnel at a glance" not in titles


def test_finance_sees_no_sales_panels(org):
    titles = {str(p["title"]) for p in panels_for(org.finance)}
    assert not titles & (EXPECTED["rep1"] | EXPECTED["manager"])


def test_a_rep_sees_their_lead_about_to_be_recovered_but_not_a_colleagues(org):
    held_lead(org.rep1, title="Due tonight", due_in=timedelta(hours=5))
    held_lead(org.rep2, title="Rep2's due", due_in=timedelta(hours=5))
    held_lead(org.rep1, title="Due next week", due_in=timedelta(days=6))
    assert texts(panel(org.rep1, "My leads due for follow-up within a day")) == ["Due tonight"]
    # Their manager sees both reps' leads going back to the pool.
    team = texts(panel(org.manager, "Team leads about to go back to the pool"))
    assert set(team) == {"Due tonight", "Rep2's due"}


def test_quotes_awaiting_approval_reach_the_rep_and_their_manager(org):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    quote = services.create_quote(
        opportunity=deal,
        by=org.rep1,
        valid_until=timezone.localdate() + timedelta(days=30),
        lines=[
            {
                "description": "MES licence",
                "quantity": "1",
                "unit_price": "500000",
                "discount_percent": "40",
            }
        ],
    )
    services.submit_quote(quote=quote, by=org.rep1)
    quote.refresh_from_db()
    assert quote.state == QuoteState.PENDING_APPROVAL
    assert texts(panel(org.rep1, "My quotes awaiting discount approval")) == [quote.number]
    assert not texts(panel(org.rep2, "My quotes awaiting discount approval"))
    waiting = texts(panel(org.manager, "Approvals waiting for you"))
    assert waiting == [f"Discount on quote {quote.number}"]


def test_a_contract_in_review_waits_for_the_manager_and_an_approved_one_for_the_rep(org):
    in_review = submit(
        draft(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org.rep1), org
    )
    ready = approved(signing_deal(org.rep1, solution=org.solution, delivery=org.delivery), org)
    assert f"Contract review of {in_review.number}" in texts(
        panel(org.manager, "Approvals waiting for you")
    )
    assert texts(panel(org.rep1, "My contracts approved and ready to sign")) == [
        f"{ready.number} · {ready.title}"
    ]
    assert not texts(panel(org.rep2, "My contracts approved and ready to sign"))


def test_the_funnel_counts_the_managers_open_deals_per_stage(org):
    opportunity(org.rep1, name="Verify me")
    opportunity(org.rep2, name="Me too")
    opportunity(org.rep1, name="Signing", stage_code="negotiation")
    opportunity(org.rep3, name="Other team")
    bars = {b["label"]: b["count"] for b in panel(org.manager, "The funnel at a glance")["bars"]}
    assert bars["1 Verify the opportunity"] == 2
    assert bars["7 Negotiation and signing"] == 1
    assert sum(bars.values()) == 3


def test_the_funnel_says_what_to_do_when_there_is_no_deal(org, browser_as):
    p = panel(org.manager, "The funnel at a glance")
    assert p["bars"] == []
    page = browser_as("manager").get(reverse("home")).content.decode()
    assert "No open deal in your teams." in page


@pytest.mark.parametrize("role", ROLES)
def test_the_workbench_renders_for_every_role(browser_as, role):
    assert browser_as(role).get(reverse("home")).status_code == 200


@pytest.mark.parametrize("rows", [2, 12])
@pytest.mark.parametrize("role", ["rep1", "manager"])
def test_the_workbench_runs_a_fixed_number_of_queries(
    org, browser_as, role, rows, django_assert_max_num_queries
):
    for n in range(rows):
        held_lead(org.rep1, title=f"Lead {n}", due_in=timedelta(hours=n + 1))
        opportunity(org.rep1, name=f"Deal {n}")
        opportunity(org.rep2, name=f"Deal b{n}", stage_code="negotiation")
    client = browser_as(role)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_an_empty_panel_shows_its_empty_text_not_the_panels_own_keys(org, browser_as):
    # The manager holds no lead: their own "due" panel is empty.
    page = browser_as("manager").get(reverse("home")).content.decode()
    assert "Nothing due: every lead you hold has been followed up in time." in page
    assert '<li><a href=""></a>' not in page
