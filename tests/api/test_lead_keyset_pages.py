"""The lead lists page by keyset: following ``next`` visits every row once, in order, whatever
the sort, with ties on the sort value and NULLs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Lead

from ..factories import LeadFactory

pytestmark = pytest.mark.django_db


def walk(client, url, params):
    rows, pages = [], 0
    answer = client.get(url, params).json()
    while True:
        pages += 1
        assert "count" not in answer
        rows += answer["results"]
        if not answer["next"]:
            return rows, pages
        assert answer["previous"] is None or pages > 1
        answer = client.get(answer["next"]).json()


@pytest.mark.parametrize(
    "ordering, key",
    [
        (None, lambda r: (-r["score"], -r["id"])),
        ("score", lambda r: (r["score"], r["id"])),
        ("-created_at", None),
        ("follow_up_due_at", None),
        ("-estimated_amount", None),
    ],
)
def test_following_next_visits_every_visible_lead_once_in_order(org, api, ordering, key):
    now = timezone.now()
    for i in range(23):
        lead = LeadFactory(
            pool=org.default_pool, estimated_amount=None if i % 4 == 0 else 1000 * (i % 3)
        )
        # Few distinct scores: many ties for the id to break.
        Lead.objects.filter(pk=lead.pk).update(
            score=i % 3,
            follow_up_due_at=None if i % 5 == 0 else now + timedelta(hours=i % 4),
        )
    params = {"page_size": 5, **({"ordering": ordering} if ordering else {})}
    expected = api("rep1").get("/api/v1/leads/", {**params, "page_size": 200}).json()["results"]
    assert len(expected) == 23
    rows, pages = walk(api("rep1"), "/api/v1/leads/", params)
    assert pages == 5
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    if key:
        assert rows == sorted(rows, key=key)


def test_a_cursor_of_another_ordering_is_refused(org, api):
    for _i in range(3):
        LeadFactory(pool=org.default_pool)
    client = api("rep1")
    first = client.get("/api/v1/leads/pool/", {"page_size": 1}).json()
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    assert client.get("/api/v1/leads/pool/", {"cursor": cursor, "page_size": 1}).status_code == 200
    wrong = client.get("/api/v1/leads/pool/", {"cursor": cursor, "ordering": "created_at"})
    assert wrong.status_code == 404


def test_a_page_keeps_the_querysets_annotations_and_prefetches(org, rf):
    """The page's rows are read by id in a second (outer) query; what the queryset annotated or
    prefetched must still be on them."""
    from django.db.models import Value
    from rest_framework.request import Request

    from leads.api.pagination import KeysetPagination

    for _ in range(3):
        LeadFactory(pool=org.default_pool)
    queryset = (
        Lead.objects.annotate(marker=Value(7))
        .prefetch_related("recoveries")
        .order_by("-score", "-id")
    )
    request = Request(rf.get("/api/v1/leads/", {"page_size": 2}))
    page = KeysetPagination().paginate_queryset(queryset, request)
    assert len(page) == 2 and all(row.marker == 7 for row in page)

    plain = Lead.objects.prefetch_related("recoveries").order_by("-score", "-id")
    page = KeysetPagination().paginate_queryset(plain, request)
    assert len(page) == 2
    assert all("recoveries" in row._prefetched_objects_cache for row in page)
