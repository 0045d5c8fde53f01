"""Role × resource × action → status, partner users included: a partner user reaches only
their portal and their own organisation's registrations; everything else is a 404."""

import pytest
from django.urls import reverse

from ltc.org.models import Role
from partners.models import DealRegistration, Partner
from partners.services import add_partner_user

from ..factories import UserFactory
from .steps import register

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner-registrations/"


@pytest.fixture
def other_partner(org):
    partner = Partner.objects.create(name="Other Partner", channel_manager=org.manager)
    user = UserFactory(username="other_partner", role=Role.PARTNER)
    add_partner_user(partner=partner, user=user)
    org.other_partner = user
    return partner


# Who sees a registration of Acme (channel manager: manager, team 1's leader) before a decision.
SEES = {
    "partner": 200,
    "other_partner": 404,
    "manager": 200,
    "admin": 200,
    "integration": 200,
    "rep1": 404,
    "rep3": 404,
    "solution": 404,
    "delivery": 404,
    "finance": 404,
    "marketing": 404,
}


@pytest.mark.parametrize(("name", "status"), SEES.items())
def test_reading_a_registration(org, partner_org, other_partner, api, name, status):
    registration = register(org)
    assert api(name).get(f"{URL}{registration.pk}/").status_code == status


# Accepting: the channel manager or an admin; partners and others refused (403 when they see
# it, 404 when they do not).
DECIDES = {
    "partner": 403,
    "other_partner": 404,
    "manager": 200,
    "admin": 200,
    "rep1": 404,
    "finance": 404,
    "integration": 403,
}


@pytest.mark.parametrize(("name", "status"), DECIDES.items())
def test_accepting_a_registration(org, partner_org, other_partner, api, name, status):
    registration = register(org)
    answer = api(name).post(f"{URL}{registration.pk}/accept/", {"owner": org.rep1.pk})
    assert answer.status_code == status, answer.content


@pytest.mark.parametrize(
    ("name", "status"),
    [("partner", 201), ("other_partner", 201)]
    + [(name, 403) for name in ("manager", "rep1", "admin", "finance", "integration")],
)
def test_registering_a_deal(org, partner_org, other_partner, api, name, status):
    body = {
        "customer_name": "Customer",
        "project_name": "Project",
        "amount": "1000.00",
        "expected_close_date": "2031-01-31",
    }
    assert api(name).post(URL, body).status_code == status


def test_the_ar_of_an_accepted_deal_sees_its_registration(org, partner_org, api):
    from partners.services import accept_registration

    registration = accept_registration(registration=register(org), by=org.manager, owner=org.rep1)
    assert api("rep1").get(f"{URL}{registration.pk}/").status_code == 200
    assert api("rep2").get(f"{URL}{registration.pk}/").status_code == 404


def test_a_partner_user_lists_only_their_organisations_registrations(
    org, partner_org, other_partner, api
):
    mine = register(org)
    register(org, by=org.other_partner, project_name="Another one")
    assert [r["id"] for r in api("partner").get(URL).json()["results"]] == [mine.pk]
    assert DealRegistration.objects.visible_to(org.partner).count() == 1


def test_portal_pages_are_for_partner_users_only(org, partner_org, browser_as):
    registration = register(org)
    for path in (
        reverse("partners:portal"),
        reverse("partners:portal_register"),
        reverse("partners:portal_detail", args=[registration.pk]),
    ):
        assert browser_as("manager").get(path).status_code == 404, path
    partner = browser_as("partner")
    assert partner.get(reverse("partners:portal_detail", args=[registration.pk])).status_code == 200
    assert (
        partner.get(reverse("partners:registration_detail", args=[registration.pk])).status_code
        == 404
    )
