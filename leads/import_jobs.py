"""Lead imports as Celery jobs.

Uploading stores the file (Django's storage API) and an ``LeadImport`` row, and publishes the
task after the commit (``publish_on_commit``: a broker that is down never hangs the request; the
beat sweep publishes it later). The task parses the file with the same parser as ever and handles
its rows in chunks, each chunk in one transaction on the locked job row: every row's lead and its
``LeadImportRow`` outcome commit together with the job's ``last_row``. A run that dies loses at most
its open chunk; the next run (resume button, or the sweep once the lease has run out) starts after
``last_row``. Two runs at once take turns on the job row lock, and the unique (job, row) and
(fingerprint where created) constraints refuse a second lead for the same row.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ltc.core.errors import DomainError, NotAllowed, TransitionRefused
from ltc.core.tasks import publish_on_commit

from . import importing
from .models import ImportState, LeadImport, LeadImportRow, RowOutcome

log = logging.getLogger(__name__)

CHUNK_ROWS = 50
# A running job renews its lease with every chunk; one whose lease has run out is stuck (its
# worker died) and the sweep resumes it. A queued job not started after this long was never
# published (broker down) and the sweep publishes it.
LEASE = timedelta(minutes=5)


def _task():
    from .tasks import run_lead_import

    return run_lead_import


def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def start_import(*, upload, by) -> tuple[LeadImport, bool]:
    """The job for this file: a new one (parsed now, so that a file we cannot read is refused
    at once with the reason) or, for a file this user already uploaded, the existing one."""
    records = importing.parse_upload(upload)  # refuses an oversized file before reading it
    upload.seek(0)
    raw = upload.read()
    digest = file_sha256(raw)
    existing = LeadImport.objects.filter(uploaded_by=by, sha256=digest).first()
    if existing is not None:
        return existing, False
    name = (upload.name or "import")[:200]
    job = LeadImport(
        name=name, size=len(raw), sha256=digest, uploaded_by=by, total_rows=len(records)
    )
    job.file.save(name, ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            job.save()
            publish_on_commit(_task(), job.pk)
    except IntegrityError:  # the same user uploaded the same file at the same moment
        job.file.delete(save=False)
        return LeadImport.objects.get(uploaded_by=by, sha256=digest), False
    return job, True


def may_resume(user, job: LeadImport) -> bool:
    return user.pk == job.uploaded_by_id or user.is_admin_role


def is_resumable(job: LeadImport, now=None) -> bool:
    """Failed, or running/queued with no live worker (its lease has run out)."""
    now = now or timezone.now()
    if job.state == ImportState.FAILED:
        return True
    if job.state == ImportState.RUNNING:
        return job.lease_until is None or job.lease_until < now
    if job.state == ImportState.QUEUED:
        return job.created_at < now - LEASE
    return False


@transaction.atomic
def resume_import(*, job: LeadImport, by, now=None) -> LeadImport:
    job = LeadImport.objects.select_for_update().get(pk=job.pk)
    if not may_resume(by, job):
        raise NotAllowed(_("Only the uploader or an administrator may resume this import."))
    if not is_resumable(job, now):
        raise TransitionRefused(_("This import is finished or still running."))
    job.requeue()
    job.save()
    publish_on_commit(_task(), job.pk)
    return job


def sweep_stuck_imports(now=None) -> int:
    """Publish again the jobs whose worker died (lease run out) or that were never published."""
    now = now or timezone.now()
    stuck = list(
        LeadImport.objects.filter(state=ImportState.RUNNING, lease_until__lt=now).values_list(
            "pk", flat=True
        )
    ) + list(
        LeadImport.objects.filter(state=ImportState.QUEUED, created_at__lt=now - LEASE).values_list(
            "pk", flat=True
        )
    )
    task = _task()
    for pk in stuck:
        try:
            task.apply_async(args=(pk,), retry=False)
        except Exception:
            log.warning("could not publish lead import %s; the next sweep will", pk)
    return len(stuck)


def _records(job: LeadImport) -> list[dict | None]:
    with job.file.open("rb") as stored:
        raw = stored.read()
    return importing.parse_upload(SimpleUploadedFile(job.name, raw))


def run_import(job_id: int, *, chunk_rows: int = CHUNK_ROWS) -> LeadImport | None:
    """Run (or continue) the job until its last row; safe to call twice, even at once."""
    now = timezone.now()
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in (ImportState.QUEUED, ImportState.RUNNING):
            return job
        job.start(at=now, lease=LEASE)
        job.save()
    try:
        with translation.override(_language_of(job)):
            records = _records(job)
    except DomainError as exc:
        _fail(job_id, str(exc.detail))
        return LeadImport.objects.get(pk=job_id)
    except OSError:
        with translation.override(_language_of(job)):
            _fail(job_id, _("The stored file cannot be read."))
        return LeadImport.objects.get(pk=job_id)
    while run_chunk(job_id, records, chunk_rows=chunk_rows):
        pass
    return LeadImport.objects.get(pk=job_id)


def _language_of(job: LeadImport) -> str:
    """The uploader's language: the worker writes the rows' errors for them to read."""
    return job.uploaded_by.language or settings.LANGUAGE_CODE


def _fail(job_id: int, error: str) -> None:
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().get(pk=job_id)
        if job.state in (ImportState.QUEUED, ImportState.RUNNING):
            job.fail(at=timezone.now(), error=error)
            job.save()


def run_chunk(job_id: int, records: list[dict | None], *, chunk_rows: int) -> bool:
    """Handle the next rows after ``last_row`` in one transaction; False when nothing is left."""
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().select_related("uploaded_by").get(pk=job_id)
        if job.state != ImportState.RUNNING:
            return False
        now = timezone.now()
        first = job.last_row + 1  # file row numbers: the header is row 1
        pending = [
            (number, records[number - 2])
            for number in range(first, min(first + chunk_rows, len(records) + 2))
        ]
        if not pending:
            job.finish(at=now)
            job.save()
            return False
        for number, record in pending:
            if record is None:
                continue
            with translation.override(_language_of(job)):
                outcome = _import_row(job, number, record)
            if outcome == RowOutcome.CREATED:
                job.created_count += 1
            elif outcome == RowOutcome.ALREADY_IMPORTED:
                job.already_count += 1
            else:
                job.refused_count += 1
        job.last_row = pending[-1][0]
        job.lease_until = now + LEASE
        job.save()
        return True


def _import_row(job: LeadImport, number: int, record: dict) -> str:
    title = str(record.get("title", ""))[:200]
    data, errors = importing.row_errors(record)
    if errors:
        LeadImportRow.objects.create(
            job=job, row=number, outcome=RowOutcome.REFUSED, title=title, errors=errors
        )
        return RowOutcome.REFUSED
    key = importing.fingerprint(record)
    earlier = _created_by_fingerprint(key)
    if earlier is None:
        try:
            with transaction.atomic():
                result = importing.import_row(number=number, record=record, by=job.uploaded_by)
                if not result.ok:
                    LeadImportRow.objects.create(
                        job=job,
                        row=number,
                        outcome=RowOutcome.REFUSED,
                        title=title,
                        errors=result.errors,
                    )
                    return RowOutcome.REFUSED
                LeadImportRow.objects.create(
                    job=job,
                    row=number,
                    outcome=RowOutcome.CREATED,
                    title=result.title,
                    fingerprint=key,
                    lead_id=result.lead_id,
                    duplicate_of_id=result.duplicate_of,
                )
                return RowOutcome.CREATED
        except IntegrityError:  # another job created this row's lead at the same moment
            earlier = _created_by_fingerprint(key)
            if earlier is None:
                raise
    LeadImportRow.objects.create(
        job=job,
        row=number,
        outcome=RowOutcome.ALREADY_IMPORTED,
        title=title,
        fingerprint=key,
        lead_id=earlier.lead_id,
    )
    return RowOutcome.ALREADY_IMPORTED


def _created_by_fingerprint(key: str) -> LeadImportRow | None:
    return (
        LeadImportRow.objects.filter(fingerprint=key, outcome=RowOutcome.CREATED)
        .only("lead_id")
        .first()
    )
