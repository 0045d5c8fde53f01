"""What every billing service shares: the refusals, who may bill, checks of money and dates,
numbering, the log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition
from ltc.core.dates import check_business_date
from ltc.core.errors import InvalidInput, TransitionRefused
from ltc.core.money import quantize

from ..models import (
    BillingPolicy,
    NumberSequence,
)
from ..rules import billing_actions, may_bill  # noqa: F401  (may_bill: read here before the rules)

MAX_LINES = 200


class AboveInvoiceable(TransitionRefused):
    """An invoice above what may be invoiced: 409 with every reason and the ``invoiceable``
    amount."""

    def __init__(self, detail, missing, *, invoiceable: Decimal):
        self.invoiceable = invoiceable
        super().__init__(detail, missing)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "invoiceable": str(self.invoiceable)}


class DuplicatePayment(TransitionRefused):
    """The customer's payment with this bank reference (or ERP id) is recorded already: 409,
    naming it."""

    def __init__(self, detail, missing, *, payment_id: int | None):
        self.payment_id = payment_id
        super().__init__(detail, missing)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "payment": self.payment_id}


# Small helpers -----------------------------------------------------------------------------------
def _require_biller(user, name: str = "invoice") -> None:
    """403 unless ``user`` may bill at all (``billing.rules.billing_actions``): asked first, before
    the input is read and the rows are locked."""
    billing_actions(user)[name].require()


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Give an amount as a number."), field)
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e13"):
        raise InvalidInput(_("The amount must be positive."), field)
    if amount != quantize(amount):
        raise InvalidInput(_("The amount has at most two decimals."), field)
    return quantize(amount)


def _tax_rate(value) -> Decimal:
    if value is None or value == "":
        return BillingPolicy.current().default_tax_rate
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Give the tax rate as a percentage."), "tax_rate")
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise InvalidInput(_("The tax rate is between 0 and 100%."), "tax_rate")
    return rate.quantize(Decimal("0.01"))


def _check_date(on: date | None, field: str) -> date:
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise InvalidInput(_("The date cannot be in the future."), field)
    check_business_date(on, field=field)
    return on


def _next_number(kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``, from its sequence row locked for the rest of the
    transaction (a rollback gives the number back: no gaps)."""
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:  # created by a concurrent transaction meanwhile
        pass
    sequence = NumberSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def _invoice_url(invoice_id: int) -> str:
    return reverse("billing:invoice_detail", args=[invoice_id])


def _log(obj, transition: str, source: str, by, comment: str = "") -> None:
    log_transition(
        obj=obj, transition=transition, source=source, target=obj.state, actor=by, comment=comment
    )
