from celery import shared_task

from . import services


@shared_task(name="opportunities.tasks.notify_missed_cadence")
def notify_missed_cadence() -> int:
    return services.notify_missed_cadence()
