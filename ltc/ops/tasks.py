"""What the workers report for operators: every task's outcome counted in the shared cache
(``/metrics``), and each periodic task's last run in PeriodicRun (the admin, ``/readyz``).
Bookkeeping never fails a task: an error here is logged and forgotten."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone

log = logging.getLogger(__name__)


def _count(task_name: str, outcome: str) -> None:
    from django.core.cache import cache

    from .metrics import task_counter_key

    key = task_counter_key(task_name, outcome)
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # the cache is down: this count is lost, the task is not
        log.debug("task outcome not counted", exc_info=True)


def periodic_names(task_name: str) -> list[str]:
    return [
        name for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if entry["task"] == task_name
    ]


def record(task_name: str, **fields) -> None:
    """Update the PeriodicRun rows of the schedule entries that run this task."""
    from .models import PeriodicRun

    for name in periodic_names(task_name):
        try:
            if not PeriodicRun.objects.filter(name=name).update(**fields):
                PeriodicRun.objects.get_or_create(name=name, defaults={"task": task_name})
                PeriodicRun.objects.filter(name=name).update(**fields)
        except Exception:
            log.warning("periodic run of %s not recorded", name, exc_info=True)


def _started(sender=None, task=None, **kwargs):
    name = getattr(task, "name", "")
    if periodic_names(name):
        record(name, last_started_at=timezone.now())


def _finished(sender=None, task=None, state=None, retval=None, **kwargs):
    name = getattr(task, "name", "")
    outcome = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}.get(state)
    if outcome is None or not name:
        return
    _count(name, outcome)
    if outcome == "retry" or not periodic_names(name):
        return
    fields = {
        "last_finished_at": timezone.now(),
        "last_outcome": outcome,
        "runs": F("runs") + 1,
    }
    if outcome == "failure":
        fields["failures"] = F("failures") + 1
    elif isinstance(retval, int) and not isinstance(retval, bool):
        fields["last_result"] = retval
        fields["result_total"] = F("result_total") + retval
    record(name, **fields)


def connect_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_started, weak=False, dispatch_uid="ltc.ops.task_started")
    task_postrun.connect(_finished, weak=False, dispatch_uid="ltc.ops.task_finished")
