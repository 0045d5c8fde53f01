"""The recovery task through a real Celery worker (an embedded worker thread, not eager mode)."""

import time
from datetime import timedelta

import pytest
from celery.signals import task_postrun

from leads.models import Lead, LeadRecovery
from leads.tasks import recover_overdue_leads
from ltc.activity.models import Notification

from ..factories import held_lead

WAIT_SECONDS = 20


def wait_until(condition) -> None:
    """Poll the database until the worker has done its work (bounded; the assertions follow)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def finished_task_ids():
    """Ids of the tasks the worker has finished running (success or failure)."""
    done: set[str] = set()

    def record(task_id=None, **kwargs):
        done.add(task_id)

    task_postrun.connect(record, weak=False)
    yield done
    task_postrun.disconnect(record)


def _recover_through_the_worker(org, celery_app, finished_task_ids):
    assert not celery_app.conf.task_always_eager
    overdue = held_lead(org.rep1, pool=org.region_pool, due_in=-timedelta(hours=2))
    on_time = held_lead(org.rep2, pool=org.region_pool, due_in=timedelta(days=1))

    first = recover_overdue_leads.delay()
    wait_until(lambda: first.id in finished_task_ids)

    overdue.refresh_from_db()
    assert (overdue.state, overdue.owner_id, overdue.recovery_count) == ("new", None, 1)
    assert LeadRecovery.objects.get(lead=overdue).former_owner == org.rep1
    assert Lead.objects.get(pk=on_time.pk).owner == org.rep2
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "rep1",
        "manager",
    }

    # Idempotent through the worker too: a second run changes nothing.
    second = recover_overdue_leads.delay()
    wait_until(lambda: second.id in finished_task_ids)
    assert second.id in finished_task_ids
    assert LeadRecovery.objects.count() == 1
    assert Lead.objects.get(pk=overdue.pk).recovery_count == 1


class TestOnTheMemoryBroker:
    @pytest.fixture
    def celery_broker_url(self):
        return "memory://"

    @pytest.mark.django_db(transaction=True)
    def test_worker_recovers_overdue_leads_sent_with_delay(
        self, org, celery_app, celery_worker, finished_task_ids
    ):
        assert celery_app.conf.broker_url == "memory://"
        _recover_through_the_worker(org, celery_app, finished_task_ids)


@pytest.mark.redis
class TestOnRedis:
    @pytest.fixture
    def celery_broker_url(self, redis_url):
        return redis_url

    @pytest.mark.django_db(transaction=True)
    def test_worker_on_redis_recovers_overdue_leads_sent_with_delay(
        self, org, celery_app, celery_worker, finished_task_ids
    ):
        assert celery_app.conf.broker_url.startswith("redis://")
        _recover_through_the_worker(org, celery_app, finished_task_ids)
