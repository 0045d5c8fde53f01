"""/metrics: Prometheus' text for a bearer token only (404 without a configured token, 403 with a
wrong one), with request latency by view, database queries, Celery task outcomes, the outbox and
e-mail backlogs and the periodic tasks' runs (the recovery sweep's moved leads among them)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from leads.tasks import recover_overdue_leads
from ltc.ops.tasks import _count

TOKEN = "scrape-secret"


@pytest.fixture
def metrics_token(settings):
    settings.LTC_METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def test_metrics_do_not_exist_without_a_configured_token(client, settings):
    settings.LTC_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_metrics_report_requests_queries_tasks_backlogs_and_sweeps(client, org, metrics_token):
    from ..factories import held_lead

    cache.clear()
    client.force_login(org.rep1)
    assert client.get("/leads/mine/").status_code == 200
    from datetime import timedelta

    held_lead(org.rep1, pool=org.region_pool, due_in=-timedelta(hours=1))
    # Through Celery's tracer, as a worker runs it: the outcome and the sweep's result count.
    recover_overdue_leads.apply()
    _count("ltc.integrations.tasks.deliver_webhook", "failure")

    answer = client.get("/metrics", **metrics_token)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view=' in text
    assert "django_db_execute_total{" in text
    assert 'ltc_webhook_deliveries{state="pending"} 0.0' in text
    assert "ltc_notification_emails_pending " in text
    assert (
        'ltc_celery_tasks_total{outcome="success",task="leads.tasks.recover_overdue_leads"} 1.0'
        in text
    )
    assert (
        'ltc_celery_tasks_total{outcome="failure",task="ltc.integrations.tasks.deliver_webhook"} 1.0'
        in text
    )
    assert (
        'ltc_periodic_task_runs_total{name="recover-overdue-leads",outcome="success"} 1.0' in text
    )
    assert 'ltc_periodic_task_last_result{name="recover-overdue-leads"} 1.0' in text
    assert 'ltc_periodic_task_result_total{name="recover-overdue-leads"} 1.0' in text
