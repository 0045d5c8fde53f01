from celery import shared_task

from . import services


@shared_task(name="complaints.tasks.flag_sla_breaches")
def flag_sla_breaches() -> int:
    return services.flag_sla_breaches()
