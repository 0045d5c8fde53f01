"""Read side of the calendar: a week of planned activities, and the iCalendar feed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import icalendar
from django.db.models import Q
from django.utils import timezone

from ltc.org.scoping import managed_users

from .models import PlannedActivity, PlannedState
from .subjects import for_content_type_id

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)
FEED_ROWS = 1000
WEEK_ROWS = 500


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def week(user, monday: date, *, team: bool = False) -> list[tuple[date, list[PlannedActivity]]]:
    """The seven days from ``monday`` with the activities due on each: the user's own or, for a
    manager asking for the team, those of the people of the teams they lead too."""
    start, end = _local_midnight(monday), _local_midnight(monday + timedelta(days=7))
    qs = PlannedActivity.objects.visible_to(user).filter(due_at__gte=start, due_at__lt=end)
    if team:
        qs = qs.filter(Q(owner=user) | Q(owner__in=managed_users(user).values("pk")))
    else:
        qs = qs.filter(owner=user)
    rows = list(
        qs.select_related("owner").prefetch_related("subject").order_by("due_at", "id")[:WEEK_ROWS]
    )
    days = [(monday + timedelta(days=i), []) for i in range(7)]
    for planned in rows:
        index = (timezone.localtime(planned.due_at).date() - monday).days
        if 0 <= index < 7:
            days[index][1].append(planned)
    return days


def ics_for(user, *, base_url: str, now: datetime | None = None) -> bytes:
    """The user's own activities from a month ago to half a year ahead, as an iCalendar file."""
    now = now or timezone.now()
    rows = (
        PlannedActivity.objects.filter(
            owner=user,
            due_at__gte=now - FEED_PAST,
            due_at__lt=now + FEED_FUTURE,
            state__in=[PlannedState.PLANNED, PlannedState.DONE],
        )
        .prefetch_related("subject")
        .order_by("due_at", "id")[:FEED_ROWS]
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//LTC//Planned activities//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"LTC · {user}")
    host = base_url.split("//", 1)[-1].split("/", 1)[0] or "ltc"
    for planned in rows:
        event = icalendar.Event()
        event.add("uid", f"planned-activity-{planned.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", planned.due_at)
        event.add("dtend", planned.due_at + timedelta(minutes=planned.duration_minutes))
        event.add("summary", f"{planned.get_kind_display()}: {planned.title}")
        description = [str(planned.subject)] if planned.subject else []
        if planned.note:
            description.append(planned.note)
        if planned.outcome:
            description.append(planned.outcome)
        event.add("description", "\n".join(description))
        event.add("status", "CONFIRMED")
        subject = for_content_type_id(planned.content_type_id)
        if subject:
            event.add("url", base_url.rstrip("/") + subject.url(planned.object_id))
        calendar.add_component(event)
    return calendar.to_ical()
