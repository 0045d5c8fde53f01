"""Reading pages as a browser does: walking the keyset pages of an HTML list (ltc.core.pages),
following the "next" links; and the deal page with its lazy panels (tenders, quotes and contract,
timeline, histories, planned activities and files), which htmx loads right away and a test client,
running no JavaScript, fetches the way htmx does."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


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


HTMX = {"HTTP_HX_REQUEST": "true"}
LAZY = re.compile(
    r'<div class="lazy-panel" id="panel-(?P<name>\w+)" hx-get="(?P<url>[^"]+)".*?</div>'
)


def deal_panel(client, deal_id: int, name: str, **headers):
    """One lazy panel of the deal page, as htmx asks for it."""
    url = reverse("opportunities:detail", args=[deal_id])
    return client.get(url, {"panel": name}, **HTMX, **headers)


def deal_page(client, deal_id: int, **headers) -> str:
    """The deal page's HTML with every lazy panel in place, as the browser shows it."""
    response = client.get(reverse("opportunities:detail", args=[deal_id]), **headers)
    assert response.status_code == 200, response.status_code

    def panel(match) -> str:
        loaded = client.get(match["url"].replace("&amp;", "&"), **HTMX, **headers)
        assert loaded.status_code == 200, (match["name"], loaded.status_code)
        return loaded.content.decode()

    return LAZY.sub(panel, response.content.decode())
