from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from ltc.activity.models import Activity
from ltc.attachments.services import upload_attachment

from ..billing.steps import accepted_order, issued, pay
from ..contracts.steps import NOW, TERMS, signed, signing_deal
from ..factories import ContactFactory, LeadFactory

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def pdf(name="file.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def log_activity(subject, actor, note="Visited the plant"):
    from django.contrib.contenttypes.models import ContentType

    return Activity.objects.create(
        kind="visit",
        note=note,
        actor=actor,
        occurred_at=timezone.now(),
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
    )


def build_chain(org, *, customer=None, number="1"):
    """A customer of rep1 with the whole chain: a deal (SR solution, FR delivery) with a signed
    contract, an accepted order, an issued and partly paid invoice, an open lead under its
    name, contacts, activities and files on each."""
    extra = {"customer": customer} if customer else {}
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery, **extra)
    customer = deal.customer
    contract = signed(deal, org, payment_terms=TERMS)
    order = accepted_order(contract, org, number=f"PO-{number}-{deal.pk}")
    invoice = issued(org.finance, Decimal("900"), order=order)
    payment = pay(org.finance, invoice, Decimal("100"), reference=f"BANK-{number}-{deal.pk}")
    lead = LeadFactory(company_name=customer.name, owner=org.rep1, state="assigned")
    contact = ContactFactory(customer=customer)
    activities = [log_activity(deal, org.rep1), log_activity(lead, org.rep1, "Called")]
    files = [
        upload_attachment(subject=customer, upload=pdf("customer.pdf"), by=org.rep1),
        upload_attachment(subject=contract, upload=pdf("signed.pdf"), by=org.rep1),
        upload_attachment(subject=order.units.first(), upload=pdf("ac.pdf"), by=org.delivery),
    ]
    return {
        "customer": customer,
        "deal": deal,
        "contract": contract,
        "order": order,
        "invoice": invoice,
        "payment": payment,
        "lead": lead,
        "contact": contact,
        "activities": activities,
        "files": files,
    }
