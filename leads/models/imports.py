"""Bulk imports of leads: the job (its stored file, progress and state) and one row per line."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .lead import Lead


# Imports as jobs ----------------------------------------------------------------------------
def import_stored_name(instance, filename: str) -> str:
    # A random name in storage; the uploaded name is kept in ``name`` only.
    from pathlib import PurePath
    from uuid import uuid4

    from django.utils import timezone

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"imports/{timezone.now():%Y/%m}/{uuid4().hex}{suffix}"


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RowOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    ALREADY_IMPORTED = "already_imported", _("Already imported")
    REFUSED = "refused", _("Refused")


class LeadImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The uploader sees their own jobs, a manager their teams' too, an administrator all."""
        from django.db.models import Q

        from ltc.org.scoping import managed_team_ids, managed_users

        if user.is_admin_role:
            return self.all()
        q = Q(uploaded_by=user)
        if managed_team_ids(user):
            q |= Q(uploaded_by__in=managed_users(user))
        return self.filter(q)


class LeadImport(FSMModelMixin, models.Model):
    """An uploaded lead file imported by a Celery task, chunk by chunk: ``last_row`` is the last
    file row whose outcome is committed, so a run that dies resumes right after it."""

    file = models.FileField(_("file"), upload_to=import_stored_name, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lead_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    state = FSMField(
        _("state"), default=ImportState.QUEUED, choices=ImportState.choices, protected=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    last_row = models.PositiveIntegerField(_("last row done"), default=1)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    already_count = models.PositiveIntegerField(_("already imported"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = LeadImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "sha256"], name="lead_import_once_per_user_and_file"
            )
        ]
        indexes = [models.Index(fields=["state", "lease_until"], name="lead_import_state_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"

    @property
    def rows_done(self) -> int:
        """File rows handled so far (the header is row 1, data starts at row 2)."""
        return max(self.last_row - 1, 0)

    @property
    def percent(self) -> int:
        if self.state == ImportState.DONE or not self.total_rows:
            return 100 if self.state == ImportState.DONE else 0
        return min(100, self.rows_done * 100 // self.total_rows)

    @transition(
        field=state, source=[ImportState.QUEUED, ImportState.RUNNING], target=ImportState.RUNNING
    )
    def start(self, *, at, lease) -> None:
        self.started_at = self.started_at or at
        self.lease_until = at + lease

    @transition(field=state, source=ImportState.RUNNING, target=ImportState.DONE)
    def finish(self, *, at) -> None:
        self.finished_at = at
        self.lease_until = None

    @transition(
        field=state, source=[ImportState.QUEUED, ImportState.RUNNING], target=ImportState.FAILED
    )
    def fail(self, *, at, error: str) -> None:
        self.finished_at = at
        self.lease_until = None
        self.error = error

    @transition(
        field=state,
        source=[ImportState.QUEUED, ImportState.RUNNING, ImportState.FAILED],
        target=ImportState.QUEUED,
    )
    def requeue(self) -> None:
        self.lease_until = None
        self.finished_at = None
        self.error = ""


class LeadImportRow(models.Model):
    """What became of one row of an import: the lead it created, the lead an identical row had
    already created (from any file), or why it was refused."""

    job = models.ForeignKey(
        LeadImport, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import")
    )
    row = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=RowOutcome.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_rows",
        verbose_name=_("lead"),
    )
    duplicate_of = models.ForeignKey(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "row"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row"], name="lead_import_row_once"),
            # A row (by its fingerprint) creates a lead once, whatever file it comes in.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(outcome="created") & ~models.Q(fingerprint=""),
                name="lead_import_fingerprint_creates_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row} {self.outcome}"
