"""The first middleware: gives every request its id (the caller's ``X-Request-ID`` or a new
one, sent back in the response) for the logs and the audit trail, answers the orchestrator's
probes and Prometheus before anything else runs (no host check, no SSL redirect, no session),
and writes one access line per request when ``LTC_ACCESS_LOG`` is on."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.signals import request_finished

from . import logs

access_log = logging.getLogger("ltc.request")


def _endpoints():
    from . import health, metrics

    return {
        "/healthz": health.healthz,
        "/readyz": health.readyz,
        "/readyz/celery": health.readyz_celery,
        "/metrics": metrics.metrics_view,
    }


class OpsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.endpoints = _endpoints()

    def __call__(self, request):
        request.request_id = logs.request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        # The audit trail (ltc.audit.context) reads the same id from the header.
        request.META["HTTP_X_REQUEST_ID"] = request.request_id
        logs.current_request.set(request)
        endpoint = self.endpoints.get(request.path_info.rstrip("/") or "/")
        started = time.perf_counter()
        response = endpoint(request) if endpoint else self.get_response(request)
        response.headers.setdefault("X-Request-ID", request.request_id)
        if endpoint is None and settings.LTC_ACCESS_LOG:
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response


def _forget_request(**kwargs):
    # After the response is closed: Django has logged its status (django.request) by then.
    logs.current_request.set(None)


request_finished.connect(_forget_request, dispatch_uid="ltc.ops.forget_request")
