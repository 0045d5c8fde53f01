"""The tender pages: from the deal's panel to a new tender, the page with its bid team and
actions, the list (scoped, paged, query counts pinned), refusals listing every missing item."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenders import services
from tenders.models import Tender, TenderState

from ..pages import deal_page
from .conftest import soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(org):
    for user in (org.rep1, org.solution, org.manager, org.rep2):
        user.language = "en"
        user.save(update_fields=["language"])


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_deal_page_offers_a_tender_and_the_form_creates_it(browser_as, org, deal, en):
    client = browser_as("rep1")
    page = deal_page(client, deal.pk)
    create_url = reverse("tenders:create", args=[deal.pk])
    assert 'id="tenders"' in page and create_url in page
    response = client.post(
        create_url,
        {
            "number": "ZB-7",
            "issuer": "City hospital",
            "questions_due_at": _local(soon(3)),
            "submission_due_at": _local(soon(8)),
            "bond_amount": "5000",
            "bond_currency": "CNY",
            "price_currency": "CNY",
        },
    )
    tender = Tender.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "tenders:detail", args=[tender.pk]
    )
    page = deal_page(client, deal.pk)
    assert "ZB-7" in page and create_url not in page  # one tender in progress per deal


def test_a_bad_deadline_comes_back_on_the_form_naming_the_field(browser_as, deal, en):
    response = browser_as("rep1").post(
        reverse("tenders:create", args=[deal.pk]),
        {
            "number": "ZB-7",
            "issuer": "x",
            "questions_due_at": _local(soon(9)),
            "submission_due_at": _local(soon(3)),
            "bond_currency": "CNY",
            "price_currency": "CNY",
        },
    )
    assert response.status_code == 200
    assert "questions_due_at" in response.context["form"].errors
    assert not Tender.objects.exists()


def test_someone_who_does_not_see_the_deal_gets_404(browser_as, tender):
    client = browser_as("rep2")
    assert client.get(reverse("tenders:detail", args=[tender.pk])).status_code == 404
    assert client.get(reverse("tenders:create", args=[tender.opportunity_id])).status_code == 404
    assert client.post(reverse("tenders:submit", args=[tender.pk])).status_code == 404


def test_a_refused_submit_lists_every_missing_item(browser_as, org, tender, en):
    services.add_task(tender=tender, by=org.rep1, member=org.solution, role="sr", task="Tech")
    client = browser_as("rep1")
    response = client.post(
        reverse("tenders:submit", args=[tender.pk]), {"currency": "CNY"}, follow=True
    )
    text = response.content.decode()
    assert "The submitted price is given" in text and "Every task of the bid team is done" in text
    assert Tender.objects.get().state == TenderState.PREPARING


def test_the_sr_sees_no_result_buttons_the_ar_does(browser_as, org, tender, en):
    services.submit_tender(tender=tender, by=org.rep1, price="100")
    url = reverse("tenders:detail", args=[tender.pk])
    assert (
        reverse("tenders:win", args=[tender.pk])
        not in browser_as("solution").get(url).content.decode()
    )
    assert reverse("tenders:win", args=[tender.pk]) in browser_as("rep1").get(url).content.decode()


def test_the_tender_page_has_bounded_queries(
    browser_as, org, tender, en, django_assert_max_num_queries
):
    for n in range(5):
        services.add_task(
            tender=tender, by=org.rep1, member=org.solution, role="sr", task=f"Part {n}"
        )
    client = browser_as("rep1")
    with django_assert_max_num_queries(40):
        response = client.get(reverse("tenders:detail", args=[tender.pk]))
    assert response.status_code == 200
    assert "Part 4" in response.content.decode()


def test_the_list_is_scoped_filtered_and_bounded(
    browser_as, org, deal, tender, en, django_assert_max_num_queries
):
    from ..factories import opportunity

    for n in range(6):
        other = opportunity(org.rep1, name=f"Deal {n}", stage_code="bid_preparation")
        services.create_tender(
            opportunity=other,
            by=org.rep1,
            number=f"ZB-{n}",
            issuer="x",
            submission_due_at=timezone.now() + timedelta(days=n + 1),
        )
    client = browser_as("rep1")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tenders:list"))
    assert len(response.context["page"].object_list) == 7
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tenders:list") + "?state=won")
    assert response.context["page"].object_list == []
    assert browser_as("rep2").get(reverse("tenders:list")).context["page"].object_list == []


def test_tender_documents_attach_to_the_tender_and_follow_its_scope(browser_as, org, tender, en):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ltc.attachments import services as files

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    attachment = files.upload_attachment(
        subject=tender,
        by=org.solution,
        upload=SimpleUploadedFile("technical-bid.pdf", pdf, content_type="application/pdf"),
    )
    assert attachment.kind == "tender"  # a tender's default kind of file
    page = browser_as("rep1").get(reverse("tenders:detail", args=[tender.pk])).content.decode()
    assert "technical-bid.pdf" in page
    from django.http import Http404

    assert files.subject_for(org.solution, "tenders.tender", tender.pk) == tender
    with pytest.raises(Http404):
        files.subject_for(org.rep2, "tenders.tender", tender.pk)
