"""The deal page as a browser shows it: the page loads its lazy panels (tenders, quotes and
contract, timeline, histories, planned activities and files) with htmx right away; a test client
runs no JavaScript, so these helpers fetch them the way htmx does."""

import re

from django.urls import reverse

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
