"""Which records take attachments, and which kinds of file each one takes.

Records are named by their model label, so this cross-cutting app reaches each chain model
through the app registry and its ``visible_to`` queryset without importing a chain app.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    TENDER = "tender", _("Tender document")
    SIGNED_CONTRACT = "signed_contract", _("Signed contract scan")
    ACCEPTANCE_CERTIFICATE = "acceptance_certificate", _("Acceptance certificate")
    INVOICE_COPY = "invoice_copy", _("Invoice copy")


K = AttachmentKind
# model label → the kinds of file it takes (the first is the default).
ATTACHABLE: dict[str, tuple[str, ...]] = {
    "leads.lead": (K.DOCUMENT, K.TENDER),
    "opportunities.opportunity": (K.DOCUMENT, K.TENDER),
    "contracts.quote": (K.DOCUMENT,),
    "contracts.contract": (K.SIGNED_CONTRACT, K.DOCUMENT),
    "delivery.order": (K.DOCUMENT, K.ACCEPTANCE_CERTIFICATE),
    "delivery.deliveryunit": (K.ACCEPTANCE_CERTIFICATE, K.DOCUMENT),
    "billing.invoice": (K.INVOICE_COPY, K.DOCUMENT),
    "customers.customer": (K.DOCUMENT,),
    "partners.dealregistration": (K.DOCUMENT,),
    "complaints.complaint": (K.DOCUMENT,),
}


# model label → the page of a record (URL name, attribute holding the id): where a file page
# links back to. A delivery unit is shown on its order's page.
PAGES: dict[str, tuple[str, str]] = {
    "leads.lead": ("leads:detail", "pk"),
    "opportunities.opportunity": ("opportunities:detail", "pk"),
    "contracts.quote": ("contracts:quote_detail", "pk"),
    "contracts.contract": ("contracts:contract_detail", "pk"),
    "delivery.order": ("delivery:order_detail", "pk"),
    "delivery.deliveryunit": ("delivery:order_detail", "order_id"),
    "billing.invoice": ("billing:invoice_detail", "pk"),
    "customers.customer": ("customers:detail", "pk"),
    "partners.dealregistration": ("partners:registration_detail", "pk"),
    "complaints.complaint": ("complaints:detail", "pk"),
}


def page_of(subject) -> str:
    from django.urls import reverse

    url_name, attribute = PAGES[label_of(subject)]
    return reverse(url_name, args=[getattr(subject, attribute)])


def label_of(obj_or_model) -> str:
    return obj_or_model._meta.label_lower


def attachable_model(label: str):
    """The model behind ``label`` when it takes attachments, else ``None``."""
    label = (label or "").lower()
    if label not in ATTACHABLE:
        return None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def kinds_for(label: str) -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in ATTACHABLE.get(label, ())]


def content_types() -> dict[str, ContentType]:
    """label → content type of every attachable model that is installed (cached by Django)."""
    models_by_label = {label: attachable_model(label) for label in ATTACHABLE}
    found = ContentType.objects.get_for_models(*[m for m in models_by_label.values() if m])
    return {label_of(model): ct for model, ct in found.items()}
