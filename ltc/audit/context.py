"""Who is changing things right now: the request being served (its user is read when an entry
is written, so DRF's token authentication, which runs inside the view, is seen too), or what a
task or command declared with ``audit_context``."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    source: str
    request_id: str = ""
    request: object = None
    actor: object = None

    def current_actor(self):
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


SYSTEM = AuditContext(source="system")
_current: ContextVar[AuditContext] = ContextVar("ltc_audit_context", default=SYSTEM)


def current() -> AuditContext:
    return _current.get()


@contextmanager
def audit_context(*, source: str, actor=None, request=None, request_id: str = ""):
    """``with audit_context(source="task:recover_overdue_leads"):`` — entries written inside
    name this source (and actor, if given)."""
    token = _current.set(
        AuditContext(
            source=source,
            actor=actor,
            request=request,
            request_id=request_id or uuid.uuid4().hex[:16],
        )
    )
    try:
        yield
    finally:
        _current.reset(token)


class AuditContextMiddleware:
    """Every web and API request is the context of the changes it makes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        if request.path.startswith("/admin/"):
            source = "admin"
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex[:16]
        with audit_context(source=source, request=request, request_id=request_id):
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", request_id)
        return response


# Celery tasks: the changes a task makes name it as their source (``task:<name>``).
_task_tokens: dict[str, object] = {}


def _task_started(task_id=None, task=None, **kwargs):
    context = AuditContext(
        source=f"task:{getattr(task, 'name', '?')}"[:100], request_id=task_id or ""
    )
    _task_tokens[task_id] = _current.set(context)


def _task_finished(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # finished in another context than it started: just clear it
            _current.set(SYSTEM)


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="ltc.audit.task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="ltc.audit.task_finished")
