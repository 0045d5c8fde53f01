from celery import shared_task

from . import reminders


@shared_task(name="tenders.tasks.remind_deadlines")
def remind_deadlines() -> int:
    return reminders.remind_deadlines()
