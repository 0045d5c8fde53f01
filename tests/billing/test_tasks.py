"""The periodic billing tasks through a real Celery worker (an embedded worker thread, not eager
mode): overdue alerts once per invoice, and the purge of old idempotency keys."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Invoice
from billing.tasks import notify_overdue_invoices
from ltc.activity.models import Notification
from ltc.idempotency.models import IdempotencyKey
from ltc.idempotency.tasks import purge_idempotency_keys

from ..leads.test_celery import finished_task_ids, wait_until  # noqa: F401 - fixture
from .steps import fresh, issued

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def frozen():
    """No frozen clock here: the worker's timers need time to pass."""
    yield None


def test_overdue_alerts_run_through_the_worker_once_per_invoice(
    org,
    contract,
    celery_app,
    celery_worker,
    finished_task_ids,  # noqa: F811
):
    assert not celery_app.conf.task_always_eager
    late = issued(org.finance, "100", contract=contract)
    Invoice.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    on_time = issued(org.finance, "100", contract=contract)

    first = notify_overdue_invoices.delay()
    wait_until(lambda: first.id in finished_task_ids)
    second = notify_overdue_invoices.delay()
    wait_until(lambda: second.id in finished_task_ids)

    alerts = Notification.objects.filter(kind="invoice_overdue")
    assert sorted(alerts.values_list("recipient__username", flat=True)) == ["finance", "rep1"]
    assert {a.url for a in alerts} == {f"/billing/invoices/{late.pk}/"}
    assert fresh(late).overdue_notified_at is not None
    assert fresh(on_time).overdue_notified_at is None


def test_old_idempotency_keys_are_purged_through_the_worker(
    org,
    frozen,
    celery_app,
    celery_worker,
    finished_task_ids,  # noqa: F811
):
    now = timezone.now()
    for key, age in (("old", 49), ("kept", 47)):
        IdempotencyKey.objects.create(
            user=org.finance,
            scope="payments.create",
            key=key,
            fingerprint="x",
            response_status=201,
            response_body={},
            created_at=now - timedelta(hours=age),
        )

    done = purge_idempotency_keys.delay()
    wait_until(lambda: done.id in finished_task_ids)

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["kept"]
