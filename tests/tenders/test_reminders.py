"""Deadlines raise reminders: within 48 hours of the submission deadline the AR and the members
with an open task are told, once per deadline; a moved deadline reminds again; the periodic task
is in the beat schedule. A task given to someone tells them."""

from datetime import timedelta

import pytest
from django.conf import settings

from ltc.activity.models import Notification
from tenders import reminders, services

pytestmark = pytest.mark.django_db


def _notified(kind="tender_deadline"):
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def test_a_task_given_to_someone_tells_them(org, tender):
    services.add_task(tender=tender, by=org.rep1, member=org.solution, role="sr", task="Tech")
    services.add_task(tender=tender, by=org.rep1, member=org.rep1, role="ar", task="Price")
    assert _notified("tender_task") == ["solution"]


def test_the_ar_and_open_task_holders_are_reminded_once_per_deadline(org, tender):
    services.add_task(tender=tender, by=org.rep1, member=org.solution, role="sr", task="Tech")
    done = services.add_task(tender=tender, by=org.rep1, member=org.delivery, role="fr", task="x")
    services.complete_task(task=done, by=org.delivery)
    early = tender.submission_due_at - timedelta(days=3)
    assert reminders.remind_deadlines(now=early) == 0
    near = tender.submission_due_at - timedelta(hours=20)
    assert reminders.remind_deadlines(now=near) == 1
    assert _notified() == ["rep1", "solution"]
    assert reminders.remind_deadlines(now=near) == 0  # idempotent
    services.update_tender(
        tender=tender, by=org.rep1, submission_due_at=tender.submission_due_at + timedelta(hours=5)
    )
    assert reminders.remind_deadlines(now=near) == 1
    assert len(_notified()) == 4


def test_a_submitted_tender_is_not_reminded(org, tender):
    services.submit_tender(tender=tender, by=org.rep1, price="1")
    assert reminders.remind_deadlines(now=tender.submission_due_at - timedelta(hours=1)) == 0


def test_the_reminder_runs_in_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "tenders.tasks.remind_deadlines" in tasks
