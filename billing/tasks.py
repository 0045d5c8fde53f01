from celery import shared_task

from . import services


@shared_task(name="billing.tasks.notify_overdue_invoices")
def notify_overdue_invoices() -> int:
    """Alert finance and the AR of the invoices that just became overdue (once per invoice)."""
    return services.notify_overdue_invoices()
