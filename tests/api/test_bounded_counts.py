"""The API's numbered pages count at most ``COUNT_LIMIT`` + 1 rows (a ``COUNT(*)`` over a
``LIMIT``ed subquery): a page costs the same whatever the table holds, and past the limit the
answer says its count stopped there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.core import api_defaults
from ltc.customers.models import Customer

pytestmark = pytest.mark.django_db


def _customers(org, count: int) -> None:
    Customer.objects.bulk_create(
        [
            Customer(name=f"Customer {i}", name_key=f"customer{i}", owner=org.rep1, team=org.team1)
            for i in range(count)
        ]
    )


def test_the_page_count_reads_a_bounded_subquery(org, api):
    _customers(org, 7)
    with CaptureQueriesContext(connection) as queries:
        answer = api("manager").get("/api/v1/customers/", {"page_size": 2}).json()
    assert answer["count"] == 7 and answer["count_capped"] is False
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "customers_customer" in q["sql"]
    ]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_past_the_limit_the_count_stops_and_says_so(org, api, monkeypatch):
    monkeypatch.setattr(api_defaults, "COUNT_LIMIT", 5)
    _customers(org, 9)
    client = api("manager")
    first = client.get("/api/v1/customers/", {"page_size": 2}).json()
    assert first["count"] == 5 and first["count_capped"] is True
    assert len(first["results"]) == 2 and first["next"]
    # The pages stop at the limit: the third page of two is the last one.
    last = client.get("/api/v1/customers/", {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get("/api/v1/customers/", {"page_size": 2, "page": 4}).status_code == 404


def test_the_schema_documents_the_capped_count(org, api):
    schema = api("integration").get("/api/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedCustomerList"]
    assert page["properties"]["count_capped"]["type"] == "boolean"
