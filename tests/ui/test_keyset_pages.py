"""The HTML lists page by keyset (ltc.core.pages): no COUNT on a page load, a pinned number of
queries whatever the depth, and the "next" links walk every row exactly once in the page's order,
with the sorts and filters kept; "previous" walks back the same pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import BadRequest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead
from ltc.core.pages import beyond, columns_of, keyset_page

from ..factories import LeadFactory
from ..pages import counting_queries, walk

pytestmark = pytest.mark.django_db

ROWS = 123  # three pages of 50, the last one short


@pytest.fixture
def leads(org):
    now = timezone.now()
    made = []
    for n in range(ROWS):
        lead = LeadFactory(
            pool=org.default_pool,
            title=f"Kiln {n:03d}" if n % 3 else f"Press {n:03d}",
            # ties on every sorted column, and NULLs on the nullable ones
            estimated_amount=None if n % 7 == 0 else Decimal(1000 * (n % 5)),
        )
        made.append(lead.pk)
    due = {pk: now + timedelta(days=i % 4) for i, pk in enumerate(made) if i % 2}
    for pk, at in due.items():
        Lead.objects.filter(pk=pk).update(follow_up_due_at=at)
    return made


PAGES = ["leads:list", "leads:pool"]
SORTS = ["", "score", "-score", "amount", "-amount", "due", "-due", "title", "-title", "state"]


# The field each sort key orders by; without one, the page's own order (newest first on the
# list, best score first in the pool).
FIELDS = {"amount": "estimated_amount", "due": "follow_up_due_at"}
DEFAULT = {"leads:list": "created_at", "leads:pool": "score"}


def _key(lead, sort: str, name: str):
    key = sort.lstrip("-")
    return getattr(lead, FIELDS.get(key, key) if key else DEFAULT[name])


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("sort", SORTS)
def test_next_walks_every_row_once_in_order_with_nulls_last(browser_as, leads, name, sort):
    client = browser_as("admin")
    rows = walk(client, reverse(name), {"sort": sort} if sort else {})
    assert sorted(lead.pk for lead in rows) == sorted(leads)  # every row, exactly once
    values = [_key(lead, sort, name) for lead in rows]
    present = [v for v in values if v is not None]
    assert values == present + [None] * (len(values) - len(present))  # NULLs last, both ways
    descending = sort.startswith("-") or sort == ""
    assert present == sorted(present, reverse=descending)


@pytest.mark.parametrize("sort", ["", "amount", "-due"])
def test_previous_walks_back_the_same_pages(browser_as, leads, sort):
    client = browser_as("admin")
    url = reverse("leads:list")
    pages = []
    response = client.get(url, {"sort": sort} if sort else {})
    while True:
        page = response.context["page"]
        pages.append([lead.pk for lead in page.object_list])
        if not page.has_next:
            break
        response = client.get(url + page.next_url)
    assert [len(p) for p in pages] == [50, 50, ROWS - 100]
    back = []
    while page.has_previous:
        response = client.get(url + page.previous_url)
        page = response.context["page"]
        back.append([lead.pk for lead in page.object_list])
    assert back == pages[-2::-1]


def test_the_filters_and_the_sort_are_kept_on_the_links(browser_as, leads):
    client = browser_as("admin")
    rows = walk(client, reverse("leads:list"), {"q": "Kiln", "sort": "-amount"})
    expected = Lead.objects.filter(pk__in=leads, title__startswith="Kiln")
    assert sorted(lead.pk for lead in rows) == sorted(expected.values_list("pk", flat=True))
    page = client.get(reverse("leads:list"), {"q": "Kiln", "sort": "-amount"})
    assert "q=Kiln" in page.context["page"].next_url
    assert "sort=-amount" in page.context["page"].next_url


@pytest.mark.parametrize("name", PAGES)
def test_a_page_counts_nothing_and_costs_the_same_at_any_depth(
    browser_as, leads, name, django_assert_num_queries
):
    client = browser_as("rep1")
    url = reverse(name)
    client.get(url)  # the session and the user's caches warmed
    first = client.get(url).context["page"]
    assert counting_queries(client, url, "leads_lead") == []
    assert counting_queries(client, url + first.next_url, "leads_lead") == []
    with django_assert_num_queries(QUERIES[name]):
        client.get(url)
    with django_assert_num_queries(QUERIES[name]):
        client.get(url + first.next_url)


# The session, the user, the pools the user sees (and the page's filter choices: campaigns, the
# people the owner filter suggests), the rows; the pool adds the claim limits of the page's
# leads (tests/ui/test_board_dialog_and_small_things.py pins them on their own).
QUERIES = {"leads:list": 8, "leads:pool": 11}


def test_a_cursor_of_another_sort_starts_again_and_a_broken_one_is_a_400(browser_as, leads):
    client = browser_as("admin")
    url = reverse("leads:list")
    first = client.get(url).context["page"]
    other = client.get(url + first.next_url + "&sort=title")
    assert other.status_code == 200 and not other.context["page"].has_previous
    assert client.get(url, {"cursor": "not-a-cursor"}).status_code == 400


def test_the_helper_takes_any_queryset_order(org, leads):
    """Order by a relation's field (read from an annotation), by a plain one, default pk last."""
    qs = Lead.objects.filter(pk__in=leads).order_by("pool__name", "-title")
    columns = columns_of(qs)
    assert [c.spec for c in columns] == ["pool__name", "-title", "pk"]
    request = RequestFactory().get("/")
    seen = []
    while True:
        page = keyset_page(request, qs, size=17)
        seen.extend(page.object_list)
        if not page.has_next:
            break
        request = RequestFactory().get("/" + page.next_url)
    assert [lead.pk for lead in seen] == list(qs.values_list("pk", flat=True))
    with pytest.raises(BadRequest):
        keyset_page(RequestFactory().get("/", {"cursor": "e30"}), qs)
    # beyond() of the last row is empty, of the first row is everything else
    last = qs.last()
    assert not qs.filter(beyond(columns, [last.pool.name, last.title, last.pk])).exists()
