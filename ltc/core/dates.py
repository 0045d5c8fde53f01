"""The window a business date must fall in: payments, invoices, orders, signatures, quotes and
deadlines. A typo like 0202-05-01 or 2205-05-01 is refused where it is typed instead of landing
in a report or an ageing bucket that nobody can explain. One rule for forms, serializers and
services: ``business_date_problem`` decides; the form/serializer validator and the service check
only phrase its answer."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from .errors import InvalidInput

EARLIEST = date(2000, 1, 1)
# How far ahead a date may be, unless its field says otherwise: a year.
AHEAD_DAYS = 366
# Fields that look further ahead: a deal's expected close and tender deadline (sales cycles of
# 1–3 years) and the due date of a payment term of a multi-year contract.
LONG_AHEAD_DAYS = 366 * 5


def business_date_problem(value: date | None, *, ahead_days: int = AHEAD_DAYS) -> str | None:
    """Why ``value`` is out of the window, or None when it is in it (or not given)."""
    if value is None:
        return None
    if value < EARLIEST:
        return _("The date must be on or after %(date)s.") % {"date": EARLIEST.isoformat()}
    latest = timezone.localdate() + timedelta(days=ahead_days)
    if value > latest:
        return _("The date must be on or before %(date)s.") % {"date": latest.isoformat()}
    return None


def check_business_date(value: date | None, *, field: str, ahead_days: int = AHEAD_DAYS) -> None:
    """For services: an out-of-window date is an ``InvalidInput`` (400) naming ``field``."""
    problem = business_date_problem(value, ahead_days=ahead_days)
    if problem:
        raise InvalidInput(problem, field)


@deconstructible
class BusinessDateValidator:
    """For form and serializer fields (DRF runs Django validators too)."""

    def __init__(self, ahead_days: int = AHEAD_DAYS):
        self.ahead_days = ahead_days

    def __call__(self, value) -> None:
        problem = business_date_problem(value, ahead_days=self.ahead_days)
        if problem:
            raise ValidationError(problem, code="date_out_of_window")

    def __eq__(self, other) -> bool:
        return isinstance(other, BusinessDateValidator) and other.ahead_days == self.ahead_days


business_date = BusinessDateValidator()
long_ahead_business_date = BusinessDateValidator(ahead_days=LONG_AHEAD_DAYS)
