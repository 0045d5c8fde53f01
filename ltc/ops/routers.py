"""Reads of the dashboards and their exports go to the read replica when one is configured
(``DATABASE_REPLICA_URL``): GET and HEAD requests to the views listed in
``LTC_REPLICA_VIEWS``. Everything else, and every write, goes to the primary; so do the
sessions, tokens and idempotency keys even inside those views (a login or a token minted a
moment ago may not have reached the replica yet)."""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
replica_reads: ContextVar[bool] = ContextVar("ltc_replica_reads", default=False)
PRIMARY_ONLY_APPS = {
    "sessions",
    "authtoken",
    "axes",
    "security",
    "integrations",
    "idempotency",
    "ops",
}


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            replica_reads.get()
            and REPLICA in settings.DATABASES
            and model._meta.app_label not in PRIMARY_ONLY_APPS
        ):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: rows of both relate

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def _view_name(view) -> str:
    view = getattr(view, "cls", view)  # DRF viewsets and APIViews carry their class
    return f"{view.__module__}.{getattr(view, '__qualname__', view.__name__)}"


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_ltc_replica_token", None)
            if token is not None:
                replica_reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if REPLICA not in settings.DATABASES or request.method not in ("GET", "HEAD"):
            return None
        name = _view_name(view_func)
        if any(name.startswith(prefix) for prefix in settings.LTC_REPLICA_VIEWS):
            request._ltc_replica_token = replica_reads.set(True)
        return None
