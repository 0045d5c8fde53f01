"""Celery beat for the multi-node test: the project's beat (the locked scheduler, the real tasks)
with the periodic tasks under test every second instead of every few minutes:
``python -m tests.ops.cluster_beat <schedule file>``."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
django.setup()

from django.conf import settings  # noqa: E402

FAST = ("recover-overdue-leads", "sweep-webhook-outbox")
settings.CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": 1.0}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    if name in FAST
}

from ltc.celery import app  # noqa: E402

if __name__ == "__main__":
    app.conf.beat_schedule = settings.CELERY_BEAT_SCHEDULE
    app.start(
        [
            "beat",
            "--scheduler=ltc.ops.beat:LockedScheduler",
            f"--schedule={sys.argv[1]}",
            "--loglevel=INFO",
        ]
    )
