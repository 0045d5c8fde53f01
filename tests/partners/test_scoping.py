"""The audit of every ``visible_to``: a partner user gets nothing of any internal model, only
their own partner's registrations (and the files on them), and the internal pages are 404."""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ltc.attachments.models import Attachment
from ltc.attachments.services import upload_attachment
from partners.models import DealRegistration, Partner, PartnerMembership
from partners.services import accept_registration

from ..factories import opportunity
from .steps import register

pytestmark = pytest.mark.django_db
OWN = {DealRegistration, Partner, Attachment}


def scoped_models():
    return [
        model for model in apps.get_models() if hasattr(model._default_manager.all(), "visible_to")
    ]


def test_every_scoped_model_gives_a_partner_user_nothing_but_their_registrations(org, partner_org):
    registration = accept_registration(registration=register(org), by=org.manager, owner=org.rep1)
    opportunity(org.rep1, name="Our own deal")
    pdf = SimpleUploadedFile("offer.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    upload_attachment(subject=registration, upload=pdf, by=org.partner)
    other = SimpleUploadedFile("internal.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    upload_attachment(subject=registration.opportunity, upload=other, by=org.rep1)

    models = scoped_models()
    assert len(models) >= 20, models
    for model in models:
        seen = model._default_manager.visible_to(org.partner)
        if model in OWN:
            continue
        assert not seen.exists(), model
    assert list(DealRegistration.objects.visible_to(org.partner)) == [registration]
    assert list(Partner.objects.visible_to(org.partner)) == [partner_org]
    assert [a.name for a in Attachment.objects.visible_to(org.partner)] == ["offer.pdf"]
    assert PartnerMembership.objects.filter(user=org.partner).exists()


INTERNAL = [
    "home",
    "leads:pool",
    "opportunities:list",
    "opportunities:board",
    "contracts:contract_list",
    "delivery:order_list",
    "billing:invoice_list",
    "customers:list",
    "products:list",
    "dashboards:manager",
    "audit:list",
    "search:results",
    "partners:registration_list",
]


def test_internal_pages_are_404_for_a_partner_user_and_home_leads_to_the_portal(
    org, partner_org, browser_as, api
):
    browser = browser_as("partner")
    home = browser.get("/")
    assert home.status_code == 200 and reverse("partners:portal_register").encode() in home.content
    for name in INTERNAL[1:]:
        assert browser.get(reverse(name)).status_code == 404, name
    for path in ("/api/v1/opportunities/", "/api/v1/dashboard/funnel/", "/api/v1/users/"):
        assert api("partner").get(path).status_code == 404, path
    assert browser.get("/api/v1/leads/").status_code == 404
    page = browser.get(reverse("partners:portal"))
    assert page.status_code == 200
    assert reverse("partners:portal_register").encode() in page.content
    assert reverse("opportunities:list").encode() not in page.content
