"""Idempotent POSTs: a client (an ERP retrying after a timeout) sends an ``Idempotency-Key``
header, and every retry with the same key gets the first answer instead of creating a second
record.

How to use it in a DRF view (the payments POST does exactly this)::

    from ltc.idempotency.services import IDEMPOTENCY_KEY_PARAMETER, idempotent

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER], ...)
    def create(self, request, *args, **kwargs):
        return idempotent(request, scope="payments.create", handler=lambda: self._create(request))

``handler`` is a function without arguments returning a DRF ``Response``; it runs inside the
transaction that records the key, so the record it creates and the key commit together.

The rules:
- no header: the handler runs as if this module did not exist;
- a new key: the handler runs; a 2xx answer is stored with the key (status and JSON body), any
  other answer or an exception rolls everything back, key included, so a refused request may be
  retried with the same key once the cause is fixed;
- the same key (same user, same scope) with the same body: the stored answer, with the header
  ``Idempotent-Replayed: true``; nothing runs, nothing new is recorded;
- the same key with a different body: 422, naming the header;
- two requests with one key at the same moment: the key row is inserted first, so the second
  waits on the unique index until the first commits and then gets the stored answer (PostgreSQL);
  should it still see no answer it gets 409 "in progress".

Keys are kept ``settings.LTC_IDEMPOTENCY_KEEP_HOURS`` hours (48 by default, at least 24);
``purge_expired_keys`` (beat task ``ltc.idempotency.tasks.purge_idempotency_keys``) deletes older
ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
MIN_KEEP_HOURS = 24

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key per intended operation (e.g. a UUID). A retry with the same key and the "
        "same body answers the first response and records nothing new; the same key with a "
        "different body answers 422. Keys are kept at least 24 hours."
    ),
)


def keep_hours() -> int:
    return max(MIN_KEEP_HOURS, int(getattr(settings, "LTC_IDEMPOTENCY_KEEP_HOURS", 48)))


def fingerprint(data) -> str:
    """sha256 of the body as canonical JSON (sorted keys, no spaces): the same body written in
    another key order has the same fingerprint."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _body(request):
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict from a form-encoded body
        return {key: values for key, values in data.lists()}
    return data


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.response_body, status=row.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def _conflict(detail: str, code: int) -> Response:
    return Response({"detail": detail, "missing": []}, status=code)


def idempotent(request, *, scope: str, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, scope, ``Idempotency-Key``); see the module docstring."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        return Response(
            {HEADER: [_("The key is at most %(n)s characters.") % {"n": MAX_KEY_LENGTH}]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    user = request.user
    digest = fingerprint(_body(request))
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, scope=scope, key=key, fingerprint=digest, created_at=timezone.now()
                )
        except IntegrityError:
            row = IdempotencyKey.objects.get(user=user, scope=scope, key=key)
            if row.fingerprint != digest:
                return _conflict(
                    _(
                        "This %(header)s was already used with a different body; send a new "
                        "key for a new request."
                    )
                    % {"header": HEADER},
                    status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            if row.response_status is None:
                return _conflict(
                    _("A request with this %(header)s is still in progress; retry later.")
                    % {"header": HEADER},
                    status.HTTP_409_CONFLICT,
                )
            return _replay(row)
        response = handler()
        if not 200 <= response.status_code < 300:
            transaction.set_rollback(True)  # nothing recorded, the key may be used again
            return response
        row.response_status = response.status_code
        row.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
        row.save(update_fields=["response_status", "response_body"])
    return response


def purge_expired_keys() -> int:
    """Delete the keys older than the retention; returns how many."""
    cutoff = timezone.now() - timedelta(hours=keep_hours())
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
