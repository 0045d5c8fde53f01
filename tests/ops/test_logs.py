"""Logs: every line written while a request is served carries its request id (the caller's
X-Request-ID when it is a plain token, else a new one, sent back in the response), the user id
once known, and in JSON mode each line is one JSON object with time, level and logger."""

from __future__ import annotations

import json
import logging

import pytest

from ltc.ops.logs import RequestContextFilter, logging_config


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured(settings):
    settings.LTC_ACCESS_LOG = True
    handler = Capture()
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved)


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_its_request_id(client, org, captured):
    client.force_login(org.rep1)
    # A page that is not there: Django logs the 404 (after the middleware has returned), and the
    # access line follows; the audited API write logs through the services.
    answer = client.get("/leads/999999/")
    assert answer.status_code == 404
    request_id = answer["X-Request-ID"]
    lines = [r for r in captured.records if r.name in ("django.request", "ltc.request")]
    assert {r.name for r in lines} == {"django.request", "ltc.request"}
    assert all(r.request_id == request_id for r in captured.records), [
        (r.name, r.getMessage(), r.request_id) for r in captured.records
    ]
    access = next(r for r in lines if r.name == "ltc.request")
    assert access.user_id == org.rep1.pk and access.status == 404


@pytest.mark.django_db
def test_two_requests_have_two_ids_and_a_callers_id_is_kept(client, captured):
    first = client.get("/login/")
    second = client.get("/login/", HTTP_X_REQUEST_ID="erp-7f3a.42")
    assert second["X-Request-ID"] == "erp-7f3a.42"
    assert first["X-Request-ID"] != second["X-Request-ID"]
    ids = [r.request_id for r in captured.records if r.name == "ltc.request"]
    assert ids == [first["X-Request-ID"], "erp-7f3a.42"]


def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    answer = client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level": "ERROR"}')
    assert answer["X-Request-ID"] != 'x"\n{"level": "ERROR"}'
    assert len(answer["X-Request-ID"]) == 16


@pytest.mark.django_db
def test_the_audit_trail_records_the_callers_request_id(org, api):
    from ltc.audit.models import AuditEntry

    from ..api.test_contracts_api import contract_in

    contract = contract_in(org, "draft")
    answer = api("rep1").patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"amount": "280000.50"},
        format="json",
        HTTP_X_REQUEST_ID="erp-batch-17",
    )
    assert answer.status_code == 200 and answer["X-Request-ID"] == "erp-batch-17"
    change = AuditEntry.objects.filter(object_id=str(contract.pk), field="amount").latest("id")
    assert change.request_id == "erp-batch-17"


def test_json_lines_have_time_level_logger_message_request_and_user_ids():
    config = logging_config(json=True)
    formatter = logging.config.DictConfigurator(config).configure_formatter(
        config["formatters"]["main"]
    )
    record = logging.LogRecord("ltc.request", logging.INFO, __file__, 1, "GET %s", ("/",), None)
    RequestContextFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert {"time", "level", "logger", "message", "request_id", "user_id"} <= set(line)
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "ltc.request", "GET /")
