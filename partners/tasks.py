from celery import shared_task

from . import services


@shared_task(name="partners.tasks.expire_protections")
def expire_protections() -> int:
    return services.expire_protections()
