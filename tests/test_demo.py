"""The demo seed: it runs, it is idempotent, and every demo user can log in."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from leads.models import Lead, LeadRecovery, LeadState
from ltc.activity.models import Notification
from ltc.demo import data

from .profiles import FULL, pairs

# One seed for the module (tests/conftest.py ``demo``); each test reads it in its own savepoint.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app_label in (
            "org",
            "customers",
            "activity",
            "leads",
            "opportunities",
            "products",
            "contracts",
            "delivery",
            "billing",
            "complaints",
            "tenders",
        )
        for model in apps.get_app_config(app_label).get_models()
    }


def test_seed_demo_twice_creates_nothing_the_second_time():
    first = _counts()
    _seed()
    assert _counts() == first
    assert first["leads.Lead"] == len(data.LEADS)


def test_every_demo_user_can_log_in_with_the_demo_password(client):
    for username in data.USERS:
        assert client.login(username=username, password=data.PASSWORD), username
        client.logout()


def test_demo_leads_show_every_situation_of_the_pool():
    now = timezone.now()
    leads = Lead.objects.all()
    states = set(leads.values_list("state", flat=True))
    assert {
        LeadState.NEW,
        LeadState.ASSIGNED,
        LeadState.VALIDATED,
        LeadState.DISQUALIFIED,
    } <= states
    assert set(leads.values_list("owner__username", flat=True)) >= {"rep1", "rep2", "rep3"}
    held = leads.filter(state=LeadState.ASSIGNED)
    assert held.filter(follow_up_due_at__lt=now).count() in (1, 2, 3)
    assert held.filter(
        follow_up_due_at__gte=now, follow_up_due_at__lte=now + timezone.timedelta(days=1)
    ).exists()
    assert leads.filter(duplicate_of__isnull=False).exists()
    assert leads.filter(recovery_count__gt=0, state=LeadState.NEW).exists()
    assert LeadRecovery.objects.filter(kind=LeadRecovery.Kind.RELEASED).exists()
    assert Notification.objects.filter(kind="lead_recovered", recipient__username="rep2").exists()
    assert Notification.objects.filter(
        kind="lead_recovered_team", recipient__username="manager"
    ).exists()
    assert leads.filter(state=LeadState.DISQUALIFIED).exclude(disqualify_reason="").count() == 5
    assert len(set(leads.filter(state=LeadState.NEW).values_list("score", flat=True))) > 3


def test_every_page_renders_with_the_demo_data_for_every_demo_user(client):
    """The demo is what a new user clicks through first: no page of it may fail."""
    from django.urls import reverse

    from ltc.org.models import User
    from opportunities.models import Opportunity, Review

    lead_ids = list(Lead.objects.values_list("pk", flat=True)[:40])
    deal_ids = list(Opportunity.objects.values_list("pk", flat=True))
    review_ids = list(Review.objects.values_list("pk", flat=True))
    pages = [
        reverse(name)
        for name in (
            "home",
            "leads:pool",
            "leads:mine",
            "leads:list",
            "customers:list",
            "notifications",
            "opportunities:board",
            "opportunities:list",
            "opportunities:reviews",
            "contracts:contract_list",
            "contracts:approvals",
            "delivery:mine",
            "delivery:order_list",
            "delivery:revenue",
            "dashboards:manager",
            "dashboards:mine",
            "dashboards:targets",
            "partners:portal",
            "partners:portal_register",
            "partners:registration_list",
            "complaints:list",
        )
    ]
    from partners.models import DealRegistration

    for pk in DealRegistration.objects.values_list("pk", flat=True):
        pages += [
            reverse("partners:registration_detail", args=[pk]),
            reverse("partners:portal_detail", args=[pk]),
        ]
    pages += [reverse("leads:detail", args=[pk]) for pk in lead_ids]
    pages += [reverse("opportunities:detail", args=[pk]) for pk in deal_ids]
    pages += [reverse("opportunities:review", args=[pk]) for pk in review_ids]
    from complaints.models import Complaint
    from contracts.models import Contract, Quote
    from delivery.models import Order, RevenueEntry

    assert RevenueEntry.objects.exists()

    assert Contract.objects.filter(state="executing").exists()
    assert Contract.objects.filter(state="in_review", review__needs_second_approval=True).exists()
    for name, model in (
        ("contracts:contract_detail", Contract),
        ("contracts:quote_detail", Quote),
        ("contracts:quote_print", Quote),
        ("delivery:order_detail", Order),
        ("complaints:detail", Complaint),
    ):
        pages += [reverse(name, args=[pk]) for pk in model.objects.values_list("pk", flat=True)]
    seen = 0
    users = list(User.objects.order_by("pk"))
    # Every user on every page (the fast profile: every page by some users, every user on a
    # sixth of the pages, tests/profiles.py).
    chosen = pairs(users, pages, stride=6)
    for user in users:
        client.force_login(user)
        for url in [url for someone, url in chosen if someone == user]:
            status = client.get(url).status_code
            assert status in (200, 404), f"{user.username} {url}: {status}"
            seen += status == 200
    # Most of the demo is visible to someone.
    assert seen > (len(pages) if FULL else len(pages) // 6)


def test_the_demo_partner_has_registrations_in_every_state_and_logs_in_to_the_portal(client):
    from partners.models import DealRegistration, RegistrationState

    states = set(DealRegistration.objects.values_list("state", flat=True))
    assert states == set(RegistrationState.values)
    accepted = DealRegistration.objects.get(state="accepted")
    assert (accepted.opportunity.grade, accepted.opportunity.stage.code) == ("E", "approved")
    assert client.login(username="partner", password=data.PASSWORD)
    portal = client.get("/")
    assert portal.status_code == 200
    assert accepted.project_name in portal.content.decode()
    assert client.get("/opportunities/").status_code == 404


def test_the_demo_has_a_deal_won_at_another_value_than_its_estimate():
    from contracts.models import ACTIVE_STATES, Contract
    from opportunities.models import Opportunity, OpportunityState

    won = [o for o in Opportunity.objects.filter(state=OpportunityState.WON) if o.won_value_differs]
    assert won, "a won deal whose signed value differs from the estimate"
    for deal in won:
        contract = Contract.objects.get(opportunity=deal, state__in=ACTIVE_STATES)
        assert (deal.amount, deal.currency) == (contract.amount, contract.currency)


def test_the_demo_quotes_are_built_from_the_catalogue():
    from contracts.models import Contract, Quote, QuoteLine, QuoteState
    from products.models import PriceBook, Product

    assert Product.objects.filter(family__code="CHL").count() >= 2
    assert set(PriceBook.objects.values_list("is_standard", flat=True)) == {True, False}
    assert not QuoteLine.objects.filter(product__isnull=True).exists()
    framework = Contract.objects.get(opportunity__name="恒拓重工 备件年度框架")
    assert framework.amount == 449600 and framework.margin_percent == 22
    plant = Quote.objects.get(opportunity__name="博远信息 数据中心扩容")
    assert plant.state == QuoteState.PENDING_APPROVAL and plant.max_discount > 10
    assert plant.margin_percent is not None


def test_the_demo_has_complaints_closed_late_and_reopened():
    from complaints.models import Complaint

    states = set(Complaint.objects.values_list("state", flat=True))
    assert states == {"closed", "in_progress", "open", "reopened"}
    closed = Complaint.objects.get(state="closed")
    assert closed.confirmation is not None and not closed.breached(closed.closed_at)
    assert Complaint.objects.filter(resolution_breached_at__isnull=False).count() == 1
    assert Notification.objects.filter(kind="complaint_resolution_breached_team").exists()


def test_demo_tenders_show_preparing_won_lost_and_cancelled():
    from tenders.models import Tender

    states = set(Tender.objects.values_list("state", flat=True))
    assert {"preparing", "won", "lost", "cancelled"} <= states
    preparing = Tender.objects.get(state="preparing")
    assert preparing.tasks.count() == 4 and preparing.submission_activity is not None
