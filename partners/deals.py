"""The E deal behind an accepted registration, made through the opportunities' services."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from ltc.core.errors import InvalidInput
from ltc.customers.models import Customer
from ltc.customers.services import create_customer
from opportunities import services as deals
from opportunities.models import Opportunity, ReviewKind

from .models import DealRegistration


def _customer_for(registration: DealRegistration, by, customer):
    if customer is not None:
        if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
            raise InvalidInput(_("Choose a customer you see."), "customer")
        return customer
    existing = (
        Customer.objects.filter(name_key=registration.customer_key, merged_into__isnull=True)
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    return create_customer(by=by, name=registration.customer_name, owner=registration.owner)


def open_partner_deal(
    *, registration: DealRegistration, by, customer=None, now: datetime
) -> Opportunity:
    """Create the grade E deal for the partner, and pass its registration gate: the channel
    manager's acceptance is the registration's approval (recorded as the deal's review)."""
    deal = deals.create_opportunity(
        by=by,
        customer=_customer_for(registration, by, customer),
        name=registration.project_name,
        amount=registration.amount,
        currency=registration.currency,
        expected_close_date=registration.expected_close_date,
        owner=registration.owner,
        partner=registration.partner.name,
        needs=registration.description,
        now=now,
    )
    note = registration.decision_note or _("Registration accepted for the partner.")
    review = deals.request_review(
        opportunity=deal,
        user=by,
        kind=ReviewKind.REGISTRATION,
        now=now,
        relationship_assessment=note,
    )
    deals.decide_review(review=review, user=by, approve=True, comment=note, now=now)
    return deals.advance(opportunity=Opportunity.objects.get(pk=deal.pk), user=by, now=now)
