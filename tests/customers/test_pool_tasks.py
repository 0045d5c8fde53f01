"""The customer pool's sweeps on Celery beat, run by a real worker (not eager mode)."""

from datetime import timedelta

import pytest

from ltc.customers.models import Customer, CustomerRecovery
from ltc.customers.tasks import recover_idle_customers, warn_customers_due_soon

from ..factories import CustomerPoolFactory, held_customer
from ..leads.test_celery import finished_task_ids, wait_until  # noqa: F401  fixture


def test_beat_runs_both_sweeps_and_the_tasks_are_registered(settings):
    from ltc.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    names = {
        "ltc.customers.tasks.recover_idle_customers",
        "ltc.customers.tasks.warn_customers_due_soon",
    }
    assert names <= tasks
    app.loader.import_default_modules()
    assert names <= set(app.tasks)


class TestOnTheMemoryBroker:
    @pytest.fixture
    def celery_broker_url(self):
        return "memory://"

    @pytest.mark.django_db(transaction=True)
    def test_the_worker_recovers_idle_customers_once(
        self,
        org,
        celery_app,
        celery_worker,
        finished_task_ids,  # noqa: F811
    ):
        assert not celery_app.conf.task_always_eager
        company = CustomerPoolFactory(is_default=True)
        idle = held_customer(org.rep1, company, due_in=-timedelta(hours=2))
        soon = held_customer(org.rep2, company, due_in=timedelta(days=1))

        for task in (recover_idle_customers, recover_idle_customers, warn_customers_due_soon):
            result = task.delay()
            wait_until(lambda result=result: result.id in finished_task_ids)
            assert result.id in finished_task_ids

        assert Customer.objects.get(pk=idle.pk).pool_state == "pooled"
        assert CustomerRecovery.objects.filter(customer=idle).count() == 1
        assert Customer.objects.get(pk=soon.pk).warned_at is not None
