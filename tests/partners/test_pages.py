"""The portal and the channel manager's pages: the same services through forms, bounded
queries, refusals shown with every missing item."""

import pytest
from django.urls import reverse

from partners.models import DealRegistration

from ..factories import CustomerFactory, opportunity
from .steps import register

pytestmark = pytest.mark.django_db


def test_a_partner_registers_through_the_portal_form(org, partner_org, browser_as):
    client = browser_as("partner")
    answer = client.post(
        reverse("partners:portal_register"),
        {
            "customer_name": "Globex",
            "project_name": "Plant MES",
            "amount": "120000",
            "currency": "CNY",
            "expected_close_date": "2031-01-31",
        },
    )
    registration = DealRegistration.objects.get()
    assert answer["Location"] == reverse("partners:portal_detail", args=[registration.pk])
    page = client.get(answer["Location"]).content.decode()
    assert "Plant MES" in page and "state-submitted" in page


def test_a_bad_form_names_the_field_and_creates_nothing(org, partner_org, browser_as):
    page = browser_as("partner").post(
        reverse("partners:portal_register"),
        {"customer_name": "", "project_name": "x", "amount": "-1", "expected_close_date": "x"},
    )
    assert page.status_code == 200
    assert set(page.context["form"].errors) >= {"customer_name", "amount", "expected_close_date"}
    assert not DealRegistration.objects.exists()


def test_the_channel_manager_sees_the_conflict_and_accepts_with_a_note(
    org, partner_org, browser_as
):
    customer = CustomerFactory(name="华东钢铁集团", owner=org.rep1, team=org.team1)
    deal = opportunity(org.rep1, customer=customer, name="智能工厂MES一期")
    registration = register(org)
    client = browser_as("manager")
    detail = reverse("partners:registration_detail", args=[registration.pk])
    page = client.get(detail).content.decode()
    assert reverse("opportunities:detail", args=[deal.pk]) in page

    refused = client.post(
        reverse("partners:accept", args=[registration.pk]), {"owner": org.rep1.pk}, follow=True
    )
    assert "决定说明中已解释冲突" in refused.content.decode()  # the missing item, in Chinese
    client.post(
        reverse("partners:accept", args=[registration.pk]),
        {"owner": org.rep1.pk, "note": "Ours is stalled"},
    )
    registration.refresh_from_db()
    assert registration.state == "accepted" and registration.opportunity.grade == "E"


def test_a_rep_sees_no_decision_forms_and_may_not_decide(org, partner_org, browser_as):
    registration = services_accept(org)
    client = browser_as("rep1")
    page = client.get(reverse("partners:registration_detail", args=[registration.pk]))
    assert page.status_code == 200 and 'id="decide"' not in page.content.decode()
    client.post(reverse("partners:renew", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.renewals == 0


def services_accept(org):
    from partners.services import accept_registration

    return accept_registration(registration=register(org), by=org.manager, owner=org.rep1)


@pytest.mark.parametrize("size", [1, 6])
def test_the_pages_run_a_bounded_number_of_queries(
    org, partner_org, browser_as, django_assert_max_num_queries, size
):
    for n in range(size):
        register(org, project_name=f"Project {n}", customer_name=f"Customer {n}")
    manager, partner = browser_as("manager"), None
    with django_assert_max_num_queries(20):
        assert manager.get(reverse("partners:registration_list")).status_code == 200
    registration = DealRegistration.objects.first()
    with django_assert_max_num_queries(30):
        detail = reverse("partners:registration_detail", args=[registration.pk])
        assert manager.get(detail).status_code == 200
    partner = browser_as("partner")
    with django_assert_max_num_queries(20):
        assert partner.get(reverse("partners:portal")).status_code == 200
    with django_assert_max_num_queries(20):
        detail = reverse("partners:portal_detail", args=[registration.pk])
        assert partner.get(detail).status_code == 200
