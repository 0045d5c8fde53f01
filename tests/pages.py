"""Walking the keyset pages of an HTML list (ltc.core.pages): every row of every page, in order,
following the "next" links as a browser would."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def walk(client, url: str, params: dict | None = None, *, key: str = "page", **extra) -> list:
    """Every row of the list at ``url``, page after page (a page's ``object_list``)."""
    rows: list = []
    query = ""
    response = client.get(url, params or {}, **extra)
    for _page in range(10_000):
        assert response.status_code == 200, (url, query)
        page = response.context[key]
        rows.extend(page.object_list)
        if not page.has_next:
            return rows
        query = page.next_url
        response = client.get(url + query, **extra)
    raise AssertionError(f"{url}: more than 10,000 pages")


def counting_queries(client, url: str, table: str, params: dict | None = None, **extra) -> list:
    """The SQL of one request that counted the rows of ``table`` (``COUNT(*)``, what Django's
    Paginator runs: a keyset page never does; the menu's unread-notice badge counts the user's
    own notices, another table)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}, **extra).status_code == 200
    # The claim limits count the viewer's own held leads (one owner's rows, bounded by the
    # pool's limit on holding), not the table.
    return [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(*)" in q["sql"].upper()
        and f'"{table}"' in q["sql"]
        and f'"{table}"."owner_id" = ' not in q["sql"]
    ]
