"""Logs for operators: one JSON object a line (``LOG_FORMAT=json``, the default in production)
with time, level, logger, message, the request id and the user id, from the web nodes, the
workers and beat alike. A task's lines carry its task id as their request id.

``logging_config()`` is the ``LOGGING`` of the settings and gunicorn's ``logconfig_dict``
(``gunicorn.conf.py``): it imports nothing from Django, so gunicorn can load it first."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

# The request being served in this thread (set by ltc.ops.middleware, cleared when the response
# is closed, after Django logged its status).
current_request: ContextVar[object | None] = ContextVar("ltc_current_request", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a plain token, else a new one (never a header
    that could forge or split log lines)."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex[:16]


def _resolved_user_id(request) -> int | None:
    """The user id only if authentication already ran: a log line must not cause a query."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    from django.utils.functional import empty

    wrapped = getattr(user, "_wrapped", user)  # a SimpleLazyObject not yet evaluated: `empty`
    if wrapped is None or wrapped is empty:
        return None
    if getattr(wrapped, "is_authenticated", False):
        return wrapped.pk
    return None


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``source`` (web, api, admin, task:<name>) to every
    record: from the request being served, else from the task or command's audit context."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request.get()
        request_id, user_id, source = "", None, ""
        if request is not None:
            request_id = getattr(request, "request_id", "")
            user_id = _resolved_user_id(request)
            source = "web"
        try:
            from ltc.audit.context import current

            context = current()
        except Exception:  # pragma: no cover - logging before the apps are importable
            context = None
        if context is not None and context.source != "system":
            request_id = request_id or context.request_id
            source = context.source
            if user_id is None and context.actor is not None:
                user_id = getattr(context.actor, "pk", None)
        record.request_id = getattr(record, "request_id", "") or request_id
        record.user_id = getattr(record, "user_id", None) or user_id
        record.source = getattr(record, "source", "") or source
        return True


JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s"


def logging_config(*, json: bool, level: str = "INFO") -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
        if json
        else {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "ltc.ops.logs.RequestContextFilter"}},
        "formatters": {"main": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # django-axes logs every login at INFO; keep its warnings (lockouts) only.
            "axes": {"level": "WARNING"},
            # gunicorn's own loggers write through the same handler (gunicorn.conf.py); its access
            # lines are left out: ltc.request writes one with the request and user ids.
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        },
    }
