from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """The heartbeat of one periodic task of ``CELERY_BEAT_SCHEDULE``: when beat last sent it,
    when a worker last ran it and with what outcome. Shown in the admin and in ``/readyz``'s
    details; ``/metrics`` exports it."""

    name = models.CharField(_("periodic task"), max_length=100, unique=True)
    task = models.CharField(_("task"), max_length=200)
    last_sent_at = models.DateTimeField(_("last sent by beat"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=20, blank=True)
    last_result = models.BigIntegerField(_("last result"), null=True, blank=True)
    runs = models.PositiveBigIntegerField(_("runs"), default=0)
    failures = models.PositiveBigIntegerField(_("failures"), default=0)
    result_total = models.BigIntegerField(_("sum of results"), default=0)

    class Meta:
        verbose_name = _("periodic task run")
        verbose_name_plural = _("periodic task runs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
