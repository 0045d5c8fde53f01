"""Bad input through every create endpoint of the API: each field of a valid body in turn gets
unicode tricks, huge strings, NUL bytes, wrong types and negative, zero, absurd or non-finite
amounts. The answer is never a 500, and a refused request (4xx) changes nothing.

On PostgreSQL this also proves no NUL byte reaches a text column (PostgreSQL refuses those)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from ..api.test_contracts_api import TERMS, contract_body, contract_in, quote_body, signing_deal
from ..api.test_leads_api import NEW_LEAD
from ..api.test_opportunities_api import validated_lead
from ..factories import CustomerFactory
from ..profiles import FULL, STRIDE, pairs

pytestmark = pytest.mark.django_db

TEXTS = [
    "",
    " ",
    "x" * 100_000,
    "\x00null\x00",
    "😀" * 300,
    "\u202eRTL override\u202c",
    "Ω≈ç√∫ 中文 العربية עברית",
    "'; DROP TABLE leads_lead; --",
    "<script>alert(1)</script>",
    "\ud800" if False else "\U0010ffff",
]
AMOUNTS = [
    "-1",
    "0",
    "0.001",
    "-0.00",
    "1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "99999999999999999999999",
    "12345678901234.567",
    "1,000",
    "¥100",
]
OTHERS = [None, [], {}, [1, 2], {"a": 1}, True, 10**30, -(10**30), 3.14]
BAD_VALUES = TEXTS + AMOUNTS + OTHERS
CHAIN_APPS = ("leads", "customers", "opportunities", "contracts", "delivery", "activity")


def _snapshot() -> tuple[int, ...]:
    """The row count of every chain table, in one query."""
    tables = [
        model._meta.db_table
        for label in CHAIN_APPS
        for model in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
        )
        return tuple(cursor.fetchone())


def _paths(body, prefix=()):
    """Every key path of a JSON body, nested lists and objects included."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(body, list) and body:
        # The first item stands for them all: every item goes through the same validation.
        yield from _paths(body[0], (*prefix, 0))


def _replaced(body, path, value):
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def _fuzz(client, url: str, body: dict, skip=()) -> int:
    """Post every mutation; returns how many requests were tried."""
    tried = 0
    paths = [path for path in _paths(body) if path[-1] not in skip]
    # Every bad value in every field (the fast profile: every field gets a third of the values,
    # every value goes into some fields, tests/profiles.py).
    for path, value in pairs(paths, BAD_VALUES):
        before = _snapshot()
        response = client.post(url, _replaced(body, path, value), format="json")
        tried += 1
        assert response.status_code < 500, (url, path, repr(value)[:60], response.content)
        if 400 <= response.status_code < 500:
            assert _snapshot() == before, (url, path, repr(value)[:60])
            assert response.json(), (url, path)  # a message naming what is wrong
    return tried


def _later(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_lead_and_customer_creation_never_fail_on_bad_input(org, api):
    marketing, rep1 = api("marketing"), api("rep1")
    tried = _fuzz(marketing, "/api/v1/leads/", NEW_LEAD)
    customer = {"name": "苏州精密", "industry": "Machinery", "region": "East", "address": "1 Rd"}
    tried += _fuzz(rep1, "/api/v1/customers/", customer)
    mine = CustomerFactory(owner=org.rep1, team=org.team1)
    contact = {"customer": mine.pk, "name": "Li", "title": "CIO", "phone": "1", "email": "a@b.cn"}
    tried += _fuzz(rep1, "/api/v1/contacts/", contact)
    assert tried > (300 if FULL else 300 // STRIDE)


def test_conversion_quotes_and_contracts_never_fail_on_bad_input(org, api):
    rep1 = api("rep1")
    lead = validated_lead(org.rep1)
    convert = {
        "opportunity_name": "Line 3",
        "amount": "6000000.00",
        "expected_close_date": _later(90),
    }
    tried = _fuzz(rep1, f"/api/v1/leads/{lead.pk}/convert/", convert)
    deal = signing_deal(org)
    tried += _fuzz(rep1, "/api/v1/quotes/", quote_body(deal, valid_until=_later(30)))
    tried += _fuzz(rep1, "/api/v1/contracts/", contract_body(deal, payment_terms=TERMS))
    assert tried > (300 if FULL else 300 // STRIDE)


def test_change_requests_and_orders_never_fail_on_bad_input(org, api):
    contract = contract_in(org, "signed")
    rep1 = api("rep1")
    change = {"description": "Two more sites", "amount_delta": "10000.00"}
    tried = _fuzz(rep1, f"/api/v1/contracts/{contract.pk}/changes/", change)
    order = {
        "contract": contract.pk,
        "number": "PO-FUZZ",
        "amount": "3000.00",
        "units": [
            {"name": "Site A", "amount": "1000.00", "kind": "site"},
            {"name": "Site B", "amount": "2000.00"},
        ],
    }
    tried += _fuzz(rep1, "/api/v1/orders/", order)
    assert tried > (250 if FULL else 250 // STRIDE)
