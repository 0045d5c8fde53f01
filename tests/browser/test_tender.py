"""A tender in Chromium: from the deal page the rep records the tender, gives the bid team a task,
is refused a submit that lists everything missing, ticks the task off, submits the bid at its
price and records the win."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ltc.activity.models import PlannedActivity
from opportunities.models import Opportunity
from tenders.models import Tender, TenderState

from .steps import assert_flash, path_id, submit

pytestmark = pytest.mark.django_db(transaction=True)


def _local(days: int) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_a_tender_is_prepared_submitted_and_won(login):
    deal = Opportunity.objects.get(name="博远信息 数据中心扩容")
    rep = login("rep1")
    page = rep.go(f"/opportunities/{deal.pk}/")
    with page.expect_navigation():
        page.locator("#tenders a", has_text="Record a tender").click()
    submit(
        page,
        "main form",
        {
            "number": "BYXX-2026-DC-09",
            "issuer": "上海博远信息技术有限公司 采购中心",
            "questions_due_at": _local(3),
            "submission_due_at": _local(9),
            "bond_amount": "20000",
        },
    )
    tender_id = path_id(page, r"/tenders/(\d+)/")
    assert "BYXX-2026-DC-09" in page.locator("h1").inner_text()
    assert PlannedActivity.objects.filter(object_id=tender_id, state="planned").count() == 2
    rep.shot("tender-preparing")

    submit(
        page,
        "/tasks/",
        {"role": "commercial", "task": "Commercial bid and price list", "due_on": _local(8)[:10]},
    )
    assert "Commercial bid and price list" in page.locator("#bid-team").inner_text()

    submit(page, "/submit/")
    assert_flash(page, "submitted price is given.*Every task of the bid team is done")
    assert Tender.objects.get(pk=tender_id).state == TenderState.PREPARING

    submit(page, "/done/")
    submit(page, "/submit/", {"price": "2150000"})
    assert_flash(page, "The bid is submitted")
    assert "Submitted" in page.locator("h1").inner_text()

    submit(page, "/won/", {"note": "Best technical and commercial score"})
    assert_flash(page, "The tender is won")
    rep.shot("tender-won")
    tender = Tender.objects.get(pk=tender_id)
    assert tender.state == TenderState.WON and tender.bond_outstanding
    page = rep.go(f"/opportunities/{deal.pk}/")
    assert "BYXX-2026-DC-09" in page.locator("#tenders").inner_text()
