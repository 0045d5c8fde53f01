"""Periodic lead work, thin wrappers over the services (idempotent: safe to run twice)."""

from celery import shared_task

from . import services


@shared_task(name="leads.tasks.recover_overdue_leads")
def recover_overdue_leads() -> int:
    return services.recover_overdue_leads()


@shared_task(name="leads.tasks.warn_leads_due_soon")
def warn_leads_due_soon() -> int:
    return services.warn_leads_due_soon()


@shared_task(name="leads.tasks.run_lead_import")
def run_lead_import(job_id: int) -> str | None:
    from .import_jobs import run_import

    job = run_import(job_id)
    return job.state if job else None


@shared_task(name="leads.tasks.sweep_stuck_imports")
def sweep_stuck_imports() -> int:
    from .import_jobs import sweep_stuck_imports as sweep

    return sweep()
