"""A complaint in Chromium: the AR opens one from the contract's page, the FR (its owner by
default) starts work, resolves it and closes it with the customer's recorded confirmation, all
within its SLA; the manager's dashboard counts it."""

from __future__ import annotations

import pytest

from complaints.models import Complaint
from contracts.models import Contract

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_complaint_is_opened_and_resolved_within_its_sla_and_closed_on_confirmation(login):
    contract = Contract.objects.filter(state="executing").select_related("opportunity").first()
    ar = login(contract.opportunity.owner.username)
    page = ar.go(f"/contracts/{contract.pk}/")
    page.locator("#complaints").get_by_role("link", name="Open a complaint").click()
    page.wait_for_url(f"**/complaints/new/contract/{contract.pk}/")
    page.fill("#id_title", "Spindle bearing noise after commissioning")
    page.select_option("#id_category", "quality")
    page.select_option("#id_severity", "high")
    page.fill("#id_description", "The customer's maintenance lead hears it at full speed.")
    page.get_by_role("button", name="Open the complaint").click()
    page.wait_for_url("**/complaints/*/")
    complaint = Complaint.objects.get(title="Spindle bearing noise after commissioning")
    assert "owns it" in ar.flash()
    assert complaint.owner.username == "delivery" and complaint.state == "open"

    fr = login("delivery")
    page = fr.go("/complaints/")
    page.get_by_role("link", name=complaint.number).click()
    page.get_by_role("button", name="Start work").click()
    page.wait_for_selector("text=Work on the complaint started.")
    page.fill("#resolve-resolution", "Bearing replaced; vibration measured within limits.")
    page.get_by_role("button", name="Mark resolved").click()
    page.wait_for_selector("#close-form")
    # Closing without saying who confirmed it is refused, naming what is missing.
    page.get_by_role("button", name="Close the complaint").click()
    assert Complaint.objects.get(pk=complaint.pk).state == "resolved"
    page.fill("#id_confirmed_by", "Mr Zhou, maintenance lead")
    page.select_option("#id_channel", "visit")
    page.get_by_role("button", name="Close the complaint").click()
    page.wait_for_selector("text=The complaint is closed with the customer's confirmation.")
    assert "Closed" in page.locator("h1").inner_text()
    assert page.locator("#sla-verdict").inner_text() == "Yes"
    assert "Mr Zhou, maintenance lead" in page.locator("#confirmations").inner_text()
    closed = Complaint.objects.get(pk=complaint.pk)
    assert closed.state == "closed" and closed.confirmation.channel == "visit"
    assert closed.resolved_at <= closed.resolution_due_at
    fr.shot("complaint-closed")

    manager = login("manager")
    page = manager.go("/dashboards/")
    section = page.locator("#complaints")
    assert "Complaint rate" in section.inner_text()
    table = section.locator("#table-complaint_contracts")
    table.locator("summary").click()  # the table is folded behind "Show table"
    table.get_by_role("link", name="Records").first.click()
    page.wait_for_url("**/dashboards/records/**")
    assert complaint.number in page.locator("main").inner_text()
