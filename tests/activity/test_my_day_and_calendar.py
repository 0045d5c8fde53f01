"""My day on every workbench, the week calendar (mine, and the team's for a manager), and the
secret, revocable iCalendar feed, parsed back with the icalendar package."""

import re
from datetime import datetime, timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ltc.activity import services
from ltc.activity.models import CalendarFeed
from ltc.core.workbench import panels_for

from ..conftest import ROLES
from ..factories import CustomerFactory, opportunity

pytestmark = pytest.mark.django_db

# A Thursday, 10:00 in the project's time zone.
NOW = timezone.make_aware(datetime(2030, 5, 9, 10, 0))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def plan_on_customer(user, title, due_at, owner=None):
    customer = CustomerFactory(owner=owner or user, team=(owner or user).team)
    return services.plan_activity(
        by=user,
        subject_type="customer",
        subject_id=customer.pk,
        kind="call",
        title=title,
        due_at=due_at,
        owner=owner,
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_workbench_starts_with_my_day(org, role, frozen):
    user = org.user(role)
    first = panels_for(user)[0]
    assert str(first["title"]) == "My day: today's and overdue activities"


def test_my_day_lists_overdue_and_today_not_tomorrow_and_flags_the_overdue(org, frozen):
    plan_on_customer(org.rep1, "Yesterday's call", NOW - timedelta(days=1))
    plan_on_customer(org.rep1, "This afternoon", NOW + timedelta(hours=4))
    plan_on_customer(org.rep1, "Tomorrow", NOW + timedelta(days=1))
    plan_on_customer(org.rep2, "Not mine", NOW + timedelta(hours=1))

    items = panels_for(org.rep1)[0]["items"]

    assert [(i["text"], i["overdue"]) for i in items] == [
        ("Call: Yesterday's call", True),
        ("Call: This afternoon", False),
    ]


def test_the_workbench_shows_overdue_ones_in_red(org, browser_as, frozen):
    plan_on_customer(org.rep1, "Late call", NOW - timedelta(hours=3))
    html = browser_as("rep1").get(reverse("home")).content.decode()
    assert 'class="overdue"' in html and "Late call" in html


def test_the_week_calendar_shows_my_week_by_day(org, browser_as, frozen):
    plan_on_customer(org.rep1, "Monday call", timezone.make_aware(datetime(2030, 5, 6, 9)))
    plan_on_customer(org.rep1, "Sunday call", timezone.make_aware(datetime(2030, 5, 12, 18)))
    plan_on_customer(org.rep1, "Following Monday", timezone.make_aware(datetime(2030, 5, 13, 9)))
    plan_on_customer(org.rep2, "Colleague", timezone.make_aware(datetime(2030, 5, 7, 9)))

    response = browser_as("rep1").get(reverse("activity:calendar"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Monday call" in html and "Sunday call" in html
    assert "Following Monday" not in html and "Colleague" not in html
    assert 'class="overdue"' in html  # Monday's call is past due
    assert "?week=2030-05-13" in html  # the next week link


def test_a_manager_sees_the_team_week_and_a_rep_cannot(org, browser_as, frozen):
    plan_on_customer(org.rep2, "Colleague call", NOW + timedelta(hours=1))
    manager = browser_as("manager").get(reverse("activity:calendar") + "?team=1")
    assert "Colleague call" in manager.content.decode()
    rep = browser_as("rep1").get(reverse("activity:calendar") + "?team=1")
    assert "Colleague call" not in rep.content.decode()


def test_a_bad_week_falls_back_to_this_week(org, browser_as, frozen):
    response = browser_as("rep1").get(reverse("activity:calendar") + "?week=not-a-date")
    assert response.status_code == 200


def test_the_calendar_runs_bounded_queries(org, browser_as, django_assert_max_num_queries):
    client = browser_as("manager")
    deal = opportunity(org.rep1)
    for i in range(12):
        services.plan_activity(
            by=org.manager,
            subject_type="opportunity",
            subject_id=deal.pk,
            kind="visit",
            title=f"Visit {i}",
            due_at=timezone.now() + timedelta(hours=i),
            owner=org.rep1 if i % 2 else org.manager,
        )
        plan_on_customer(org.manager, f"Call {i}", timezone.now() + timedelta(hours=i))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("activity:calendar") + "?team=1")
    assert response.status_code == 200


# The iCalendar feed --------------------------------------------------------------------------
def test_the_feed_token_is_stored_hashed_and_the_feed_parses_back(org, client, frozen):
    planned = plan_on_customer(org.rep1, "Quarterly review", NOW + timedelta(days=2))
    plan_on_customer(org.rep2, "Someone else's", NOW + timedelta(days=2))
    token = services.issue_calendar_feed(user=org.rep1)

    feed = CalendarFeed.objects.get(user=org.rep1)
    assert token not in feed.token_hash and feed.token_hash == services.hash_feed_token(token)

    response = client.get(reverse("activity:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Call: Quarterly review"]
    event = events[0]
    assert event.decoded("dtstart") == planned.due_at
    assert event.decoded("dtend") == planned.due_at + timedelta(minutes=30)
    assert str(event["uid"]).startswith(f"planned-activity-{planned.pk}@")


def test_a_new_address_ends_the_old_one_and_revoking_ends_both(org, client):
    old = services.issue_calendar_feed(user=org.rep1)
    new = services.issue_calendar_feed(user=org.rep1)
    assert client.get(reverse("activity:feed", args=[old])).status_code == 404
    assert client.get(reverse("activity:feed", args=[new])).status_code == 200
    services.revoke_calendar_feed(user=org.rep1)
    assert client.get(reverse("activity:feed", args=[new])).status_code == 404
    assert client.get(reverse("activity:feed", args=["guess"])).status_code == 404


def test_the_calendar_page_makes_and_revokes_the_address(org, browser_as):
    client = browser_as("rep1")
    response = client.post(reverse("activity:feed_issue"), follow=True)
    html = response.content.decode()
    token = re.search(r"/activities/feed/([^/\"]+)\.ics", html).group(1)
    assert client.get(reverse("activity:feed", args=[token])).status_code == 200
    # Shown once only.
    assert ".ics" not in client.get(reverse("activity:calendar")).content.decode()
    client.post(reverse("activity:feed_revoke"))
    assert client.get(reverse("activity:feed", args=[token])).status_code == 404


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "2030-13-45", "x"])
def test_an_impossible_week_shows_this_week(org, browser_as, week):
    response = browser_as("rep1").get(reverse("activity:calendar"), {"week": week})
    assert response.status_code == 200
    assert response.context["monday"] == calendar_monday(timezone.localdate())


def calendar_monday(day):
    from ltc.activity.calendar import monday_of

    return monday_of(day)
