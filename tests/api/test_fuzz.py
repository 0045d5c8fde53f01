"""Schemathesis against the OpenAPI schema on a live test server, authenticated by an integration
token that may write everything: no answer is a 5xx, and every answer the schema documents has
the documented shape. Bounded: a few examples per operation, so the run stays short."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from ltc.integrations.models import Scope

from ..billing.steps import accepted_order, issued
from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal
from ..factories import LeadFactory, held_lead
from ..integrations.helpers import token_client
from ..profiles import FULL

# LTC_FUZZ_EXAMPLES=50 runs a deeper, randomised search (by hand, not in CI). The fast profile
# (tests/profiles.py) tries two examples of every operation, the full one four.
EXAMPLES_PER_OPERATION = int(os.environ.get("LTC_FUZZ_EXAMPLES", "4" if FULL else "2"))
DERANDOMIZE = "LTC_FUZZ_EXAMPLES" not in os.environ
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SAFE = {"GET", "HEAD"}
# Writes fuzzed too: they act on the test data only, and every one must answer 2xx/4xx.
FUZZED_WRITES = {
    ("POST", "/api/v1/leads/"),
    ("POST", "/api/v1/leads/bulk/"),
    ("POST", "/api/v1/customers/"),
    ("POST", "/api/v1/orders/"),
    ("POST", "/api/v1/invoices/"),
    ("PUT", "/api/v1/customers/by-external-id/{external_id}/"),
    ("PUT", "/api/v1/orders/by-external-id/{external_id}/"),
    ("PUT", "/api/v1/payments/by-external-id/{external_id}/"),
}


def demo_like_data(org):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    contract = signed(deal, org, payment_terms=ON_ACCEPTANCE)
    order = accepted_order(contract, org, amounts=("1000", "2000"), accept=1)
    issued(org.finance, "1000", order=order)
    for _ in range(3):
        LeadFactory(pool=org.default_pool)
    held_lead(org.rep1)


def fuzzed(operation) -> bool:
    method = operation.method.upper()
    if method in SAFE:
        return True
    return (method, operation.path) in FUZZED_WRITES


def summary(exc: BaseException) -> str:
    """The failure's first lines and the curl command that reproduces it."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    curl = next((line for line in lines if line.startswith("curl ")), "")
    subs = [repr(e)[:300] for e in getattr(exc, "exceptions", [])]
    return "\n".join([f"{type(exc).__name__}: {' | '.join(lines[:3])[:300]}", *subs, curl])


def runner(operation, base_url: str, headers: dict, failures: dict[str, str]):
    """A Hypothesis test of one operation that records its first failure (then stops)."""
    label = operation.label

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if label in failures:
            return
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's first failure, then report all
            failures[label] = summary(exc)

    return run


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_fuzzed_request_without_a_server_error(org, live_server):
    demo_like_data(org)
    client, _token, key = token_client(
        org, Scope.LEADS_WRITE, Scope.ORDERS_WRITE, Scope.BILLING_WRITE
    )
    raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schema = schemathesis.openapi.from_dict(raw)
    headers = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    failures: dict[str, str] = {}
    tried = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        if not fuzzed(operation):
            continue
        tried += 1

        runner(operation, live_server.url, headers, failures)()

    assert tried > 40
    assert not failures, "\n\n".join(f"{label}\n{error}" for label, error in failures.items())
