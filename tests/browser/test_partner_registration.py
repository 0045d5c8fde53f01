"""The partner track in Chromium: the demo partner registers a deal that conflicts with our
own open deal and attaches a document; the channel manager sees the conflict, is refused an
acceptance without a note, then accepts with one; the partner finds the protected deal."""

from __future__ import annotations

import pytest

from ltc.attachments.models import Attachment
from partners.models import DealRegistration

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROJECT = "Hengtuo smart line retrofit phase 3"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_partner_registers_a_conflicting_deal_and_the_channel_manager_accepts_it(login):
    partner = login("partner")
    page = partner.page
    assert "Partner portal" in page.locator("h1").inner_text()
    assert page.locator("nav.menu").get_by_role("link", name="Pipeline board").count() == 0
    page.locator("nav.menu summary", has_text="Deals").click()  # the menu's dropdown
    page.locator("nav.menu").get_by_role("link", name="Register a deal").click()
    page.fill("#id_customer_name", "苏州恒拓重工机械有限公司")
    page.fill("#id_project_name", "恒拓重工 智能产线改造 三期")
    page.fill("#id_amount", "950000")
    page.fill("#id_expected_close_date", "2031-03-31")
    page.fill("#id_description", PROJECT)
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_url("**/portal/registrations/*/")
    assert "In review (conflict)" in page.locator("#registration-state").inner_text()
    # The partner never sees what the registration conflicts with.
    assert "智能产线改造”" not in page.content()
    panel = page.locator("section.attachments")
    panel.locator("input[type=file]").set_input_files(
        {"name": "customer-letter.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    panel.get_by_role("button", name="Upload").click()
    page.locator("section.attachments a", has_text="customer-letter.pdf").wait_for()
    registration = DealRegistration.objects.get(description=PROJECT)
    assert Attachment.objects.filter(object_id=registration.pk, name="customer-letter.pdf").exists()
    assert partner.go("/opportunities/").locator("body").inner_text()  # a 404 page, no leak
    assert "恒拓重工 智能产线改造" not in partner.page.content()

    manager = login("manager")
    page = manager.page
    page.locator("nav.menu summary", has_text="Deals").click()
    page.locator("nav.menu").get_by_role("link", name="Deal registrations").click()
    page.get_by_role("link", name="恒拓重工 智能产线改造 三期").click()
    conflicts = page.locator("#conflicts").inner_text()
    assert "Open opportunity “恒拓重工 智能产线改造”" in conflicts
    page.select_option("#decide select[name=owner]", label="张伟")
    page.get_by_role("button", name="Accept and create the E deal").click()
    assert "The conflict is explained in the decision note" in manager.flash()
    page.select_option("#decide select[name=owner]", label="张伟")
    page.fill("#decide textarea[name=note]", "Our own deal stalled; the partner holds the plant.")
    page.get_by_role("button", name="Accept and create the E deal").click()
    assert "Accepted" in manager.flash()
    assert "Accepted (protected)" in page.locator("#registration-state").inner_text()
    page.get_by_role("link", name="Open the deal").click()
    page.wait_for_url("**/opportunities/*/")
    registration.refresh_from_db()
    assert (registration.state, registration.opportunity.grade) == ("accepted", "E")
    assert registration.opportunity.owner.username == "rep1"

    page = partner.go("/portal/")
    deals = page.locator("#deals").inner_text()
    assert "恒拓重工 智能产线改造 三期" in deals and "Registration approved" in deals
    manager.shot("partner-registration-accepted")
