"""The period a figure covers: ``YYYY``, ``YYYY-MM``, ``YYYY-Qn`` or ``from``/``to`` dates.

A period is a half-open range of days ``[start, end)`` in the business time zone; its datetime
bounds are aware datetimes at local midnight, so "created in March" means March in Shanghai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput

YEAR = re.compile(r"^(\d{4})$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
MAX_DAYS = 366 * 5


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    start: date  # first day, included
    end: date  # first day after the period
    label: str

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time.min))

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        months, month = [], month_start(self.start)
        while month < self.end:
            months.append(month)
            month = next_month(month)
        return months

    def as_dict(self) -> dict:
        return {"label": self.label, "from": self.start, "to": self.last_day}


def year(value: int) -> Period:
    return Period(date(value, 1, 1), date(value + 1, 1, 1), str(value))


def parse_period(
    period: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    *,
    today: date | None = None,
) -> Period:
    """The period of a request; without any of the three, the current year. Bad values raise
    ``InvalidInput`` naming the field (``period``, ``from`` or ``to``)."""
    today = today or timezone.localdate()
    period = (period or "").strip()
    if date_from or date_to:
        if period:
            raise InvalidInput(_("Give either a period or from/to dates, not both."), "period")
        start = _date(date_from, "from") if date_from else date(today.year, 1, 1)
        last = _date(date_to, "to") if date_to else today
        if last < start:
            raise InvalidInput(_("The end date is before the start date."), "to")
        if (last - start).days > MAX_DAYS:
            raise InvalidInput(_("A period covers at most five years."), "to")
        return Period(start, last + timedelta(days=1), f"{start.isoformat()}–{last.isoformat()}")
    if not period:
        return year(today.year)
    if match := YEAR.match(period):
        return _checked(int(match[1]), lambda y: year(y))
    if match := QUARTER.match(period):
        q = int(match[2])
        return _checked(
            int(match[1]),
            lambda y: Period(
                date(y, 3 * q - 2, 1),
                date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1),
                f"{y}-Q{q}",
            ),
        )
    if match := MONTH.match(period):
        m = int(match[2])
        return _checked(
            int(match[1]),
            lambda y: Period(date(y, m, 1), next_month(date(y, m, 1)), f"{y}-{m:02d}"),
        )
    raise InvalidInput(
        _("Use YYYY, YYYY-MM or YYYY-Qn (for example 2026, 2026-03, 2026-Q1)."), "period"
    )


def _checked(year_number: int, build) -> Period:
    # The year first: the last months of year 9999 have no first day after them (an overflow).
    if year_number < 2000 or year_number > 2100:
        raise InvalidInput(_("Choose a year between 2000 and 2100."), "period")
    try:
        return build(year_number)
    except ValueError:
        raise InvalidInput(_("This period does not exist."), "period") from None


def _date(value: str, field: str) -> date:
    try:
        result = date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field) from None
    if result.year < 2000 or result.year > 2100:
        raise InvalidInput(_("Choose a date between 2000 and 2100."), field)
    return result
