"""``/metrics`` for Prometheus, protected by a bearer token (``LTC_METRICS_TOKEN``; without it
the endpoint does not exist: 404; a wrong token: 403).

- django-prometheus: request latency by view and method, responses by status, database
  queries and their duration by alias (its database backends, ltc/core/postgresql included);
- Celery task outcomes across all workers (``ltc_celery_tasks_total{task, outcome}``): counted
  in the shared cache by ltc.ops.tasks, so any web node reports every worker's;
- backlogs read at scrape time: webhook deliveries by state (the outbox) and notification
  e-mails not yet sent;
- the periodic tasks (ltc.ops.models.PeriodicRun): last sent and finished times, runs by
  outcome, the last result and the running sum of results (the lead pool's recovery sweep:
  leads moved).

With gunicorn's several processes set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, as the
compose file does): each process writes its metrics there and any of them reports the sum."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

TASK_OUTCOMES = ("success", "failure", "retry")


def task_counter_key(task: str, outcome: str) -> str:
    return f"ops:tasks:{task}:{outcome}"


class LTCCollector:
    """What the processes cannot count themselves: read from the database and the cache."""

    def collect(self):
        yield from self._backlogs()
        yield from self._periodic()
        yield from self._tasks()

    def _backlogs(self):
        from django.db.models import Count

        from ltc.activity.models import Notification
        from ltc.integrations.models import DeliveryState, WebhookDelivery

        deliveries = GaugeMetricFamily(
            "ltc_webhook_deliveries",
            "Webhook deliveries (the outbox) not yet delivered, by state",
            labels=["state"],
        )
        counts = dict(
            WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED)
            .values_list("state")
            .annotate(n=Count("id"))
            .order_by()
        )
        for state in (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.FAILED):
            deliveries.add_metric([state.value], counts.get(state.value, 0))
        yield deliveries
        from ltc.activity.models import OutboxMessage

        yield GaugeMetricFamily(
            "ltc_notification_emails_pending",
            "Notifications not yet handed to the outbox, and outbox messages not yet sent",
            value=Notification.objects.filter(emailed_at__isnull=True).count()
            + OutboxMessage.objects.filter(state="pending").count(),
        )
        yield GaugeMetricFamily(
            "ltc_outbox_messages_failed",
            "Outbox messages (e-mails, group-robot posts) that failed for good",
            value=OutboxMessage.objects.filter(state="failed").count(),
        )

    def _periodic(self):
        from .models import PeriodicRun

        labels = ["name"]
        sent = GaugeMetricFamily(
            "ltc_periodic_task_last_sent_timestamp_seconds", "When beat last sent it", labels=labels
        )
        finished = GaugeMetricFamily(
            "ltc_periodic_task_last_finished_timestamp_seconds",
            "When a worker last finished it",
            labels=labels,
        )
        result = GaugeMetricFamily(
            "ltc_periodic_task_last_result",
            "What its last run returned (e.g. leads moved back to the pool)",
            labels=labels,
        )
        result_total = CounterMetricFamily(
            "ltc_periodic_task_result", "The sum of what its runs returned", labels=labels
        )
        runs = CounterMetricFamily(
            "ltc_periodic_task_runs", "Runs by outcome", labels=["name", "outcome"]
        )
        for run in PeriodicRun.objects.all():
            if run.last_sent_at:
                sent.add_metric([run.name], run.last_sent_at.timestamp())
            if run.last_finished_at:
                finished.add_metric([run.name], run.last_finished_at.timestamp())
            if run.last_result is not None:
                result.add_metric([run.name], run.last_result)
            result_total.add_metric([run.name], run.result_total)
            runs.add_metric([run.name, "success"], run.runs - run.failures)
            runs.add_metric([run.name, "failure"], run.failures)
        yield from (sent, finished, result, result_total, runs)

    def _tasks(self):
        from django.core.cache import cache

        from ltc.celery import app

        family = CounterMetricFamily(
            "ltc_celery_tasks",
            "Celery task runs by outcome, all workers",
            labels=["task", "outcome"],
        )
        app.loader.import_default_modules()  # the apps' tasks modules (a web node's too)
        names = sorted(name for name in app.tasks if not name.startswith("celery."))
        keys = {task_counter_key(n, o): (n, o) for n in names for o in TASK_OUTCOMES}
        try:
            values = cache.get_many(list(keys))
        except Exception:  # the cache is down: no task figures this time, the rest still
            values = {}
        for key, (name, outcome) in keys.items():
            family.add_metric([name, outcome], values.get(key, 0))
        yield family


def _authorised(request) -> bool:
    token = settings.LTC_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_view(request):
    if not settings.LTC_METRICS_TOKEN:
        return HttpResponse("not found\n", status=404, content_type="text/plain")
    if not _authorised(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    ours = CollectorRegistry()
    ours.register(LTCCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    return HttpResponse(body + generate_latest(ours), content_type=CONTENT_TYPE_LATEST)
