"""Attachments and the customer 360 page in Chromium: delivery uploads an acceptance
certificate on a delivery unit (in place, with htmx) and downloads it back; finance opens a
customer's 360 page and finds its invoices and receivables."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from billing.models import Invoice
from delivery.models import DeliveryUnit
from ltc.attachments.models import Attachment
from ltc.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_delivery_uploads_an_acceptance_certificate_on_a_delivery_unit(login):
    fr = User.objects.get(username="delivery")
    unit = (
        DeliveryUnit.objects.visible_to(fr)
        .select_related("order")
        .order_by("order_id", "id")
        .first()
    )
    session = login("delivery")
    page = session.go(f"/delivery/orders/{unit.order_id}/")
    page.get_by_role("link", name=f"Files of {unit.name}").click()
    page.wait_for_url(f"**/attachments/delivery.deliveryunit/{unit.pk}/")
    panel = page.locator("section.attachments")
    panel.locator("input[type=file]").set_input_files(
        {"name": "acceptance-site-1.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    panel.locator("select[name=kind]").select_option("acceptance_certificate")
    panel.get_by_role("button", name="Upload").click()
    link = page.locator("section.attachments a", has_text="acceptance-site-1.pdf")
    link.wait_for()
    assert "Acceptance certificate" in page.locator("section.attachments").inner_text()
    stored = Attachment.objects.get(object_id=unit.pk, name="acceptance-site-1.pdf")
    assert stored.uploaded_by == fr and stored.kind == "acceptance_certificate"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "acceptance-site-1.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == PDF
    session.shot("unit-files")


def test_finance_opens_the_customer_360_page(login):
    finance = User.objects.get(username="finance")
    invoice = (
        Invoice.objects.visible_to(finance)
        .exclude(number="")
        .select_related("customer")
        .order_by("id")
        .first()
    )
    session = login("finance")
    page = session.go(f"/customers/?q={quote(invoice.customer.name)}")
    page.get_by_role("link", name=invoice.customer.name, exact=True).first.click()
    page.wait_for_url(f"**/customers/{invoice.customer_id}/")
    assert page.locator("h1").inner_text() == invoice.customer.name
    for heading in ("Contracts", "Orders and delivery", "Invoices and receivables", "Files"):
        assert page.get_by_role("heading", name=heading, exact=True).count() >= 1, heading
    invoices = page.locator("#invoices").inner_text()
    assert invoice.number in invoices
    assert page.locator("#people").inner_text().strip() != ""
    session.shot("customer-360-finance")
