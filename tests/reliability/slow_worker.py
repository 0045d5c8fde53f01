"""A real Celery worker process for the fault tests, whose lead recovery works in small, slow
batches (20 leads, then a pause) so that a SIGKILL lands in the middle of a run. Everything else
is the project's own code: ``python -m tests.reliability.slow_worker``."""

import functools
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
django.setup()

from django.conf import settings  # noqa: E402

# Redelivery of a message whose worker died: after this long (the default is an hour). Set
# before the Celery app first reads its configuration from the settings.
settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
    **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("VISIBILITY_TIMEOUT", "3")),
}

# The recovery sweep lives in leads/services/sweeps.py since leads.services became a package.
from leads.services import sweeps as services  # noqa: E402
from ltc.celery import app  # noqa: E402

_log_bulk = services.log_transitions_bulk


def _slow_log(**kwargs):
    count = _log_bulk(**kwargs)
    time.sleep(float(os.environ.get("SLOW_BATCH_SECONDS", "0.3")))
    return count


services.log_transitions_bulk = _slow_log

# On PostgreSQL the sweep is one statement per batch (leads/sweeps_pg.py), which logs in SQL;
# it schedules the notification e-mails once per batch, so the pause goes there.
from leads import sweeps_pg  # noqa: E402

_publish = sweeps_pg.publish_on_commit


def _slow_publish(*args, **kwargs):
    time.sleep(float(os.environ.get("SLOW_BATCH_SECONDS", "0.3")))
    return _publish(*args, **kwargs)


sweeps_pg.publish_on_commit = _slow_publish
# The task calls the name the package re-exports (leads.services), so both names get the small
# batches.
import leads.services  # noqa: E402

leads.services.recover_overdue_leads = services.recover_overdue_leads = functools.partial(
    services.recover_overdue_leads, batch_size=20
)

if __name__ == "__main__":
    import leads.tasks  # noqa: F401 - register the tasks

    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
