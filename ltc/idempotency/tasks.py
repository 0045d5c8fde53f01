from celery import shared_task

from .services import purge_expired_keys


@shared_task(name="ltc.idempotency.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete the keys past their retention (idempotent: a second run finds nothing)."""
    return purge_expired_keys()
