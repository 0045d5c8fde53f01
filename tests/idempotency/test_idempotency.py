"""The generic Idempotency-Key mechanism: canonical fingerprints, the replay window of at least
24 hours, keys scoped per user and route, and bad keys refused."""

from datetime import timedelta

import pytest
import time_machine

from billing.models import Payment
from ltc.idempotency.models import IdempotencyKey
from ltc.idempotency.services import fingerprint, purge_expired_keys

from ..billing.steps import NOW
from ..contracts.steps import signed, signing_deal

PAYMENTS = "/api/v1/payments/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer(org):
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    return signed(deal, org).customer


def body(customer, reference="R-1", amount="10") -> dict:
    return {"customer": customer.pk, "amount": amount, "currency": "CNY", "reference": reference}


def test_the_fingerprint_ignores_key_order_but_not_values():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert len(fingerprint({})) == 64


def test_without_a_key_every_post_runs(org, api, customer):
    client = api("finance")
    assert client.post(PAYMENTS, body(customer, "R-1"), format="json").status_code == 201
    assert client.post(PAYMENTS, body(customer, "R-2"), format="json").status_code == 201
    assert Payment.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_replay_answers_the_first_response_a_day_later(org, customer, frozen):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=org.integration)  # API tokens expire; the key must not
    first = client.post(PAYMENTS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="day")
    frozen.shift(timedelta(hours=25))
    purge_expired_keys()
    again = client.post(PAYMENTS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="day")

    assert (again.status_code, again.json()) == (201, first.json())
    assert Payment.objects.count() == 1


def test_keys_older_than_the_retention_are_purged(org, api, customer, frozen):
    api("integration").post(PAYMENTS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="old")
    frozen.shift(timedelta(hours=47))
    assert purge_expired_keys() == 0
    frozen.shift(timedelta(hours=2))
    assert purge_expired_keys() == 1


def test_a_key_longer_than_255_characters_is_a_400(org, api, customer):
    response = api("integration").post(
        PAYMENTS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Payment.objects.exists()


def test_a_key_is_scoped_to_its_route(org, api, customer):
    client = api("integration")
    client.post(PAYMENTS, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = client.post(
        "/api/v1/invoices/",
        {"contract": 10**6, "amount": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert other.status_code == 400  # ran (and failed on its own input), not a 422 replay
    assert IdempotencyKey.objects.count() == 1
