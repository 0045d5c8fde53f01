"""Publishing Celery tasks from a request without ever hanging on the broker.

Tasks are sent after the transaction commits; if the broker is down the error is logged and the
periodic beat job that sweeps the same work picks it up later (the work itself lives in the DB).
"""

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def publish_on_commit(task, *args, **kwargs) -> None:
    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # broker down or unreachable: the beat sweep will catch up
            log.warning("could not publish %s; the periodic sweep will pick it up", task.name)

    transaction.on_commit(send)
