"""The navigation per role, on the demo data (seeded once for the module, every test in a
savepoint of its own): at most seven top entries, every menu page opens, and no link rendered on
the pages reachable from the menu (nor on the pages those links open) answers 404 or 500 for the
viewer who sees it. A link the viewer cannot follow is not drawn as a link (plain text instead).

The crawl is bounded: every menu page, then at most ``PER_ROUTE`` links per URL pattern and
role at each further depth, two levels deep."""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from ltc.demo import data
from ltc.org.models import User
from ltc.org.navigation import MAX_TOP_ENTRIES, menu_for, menu_urls

ROLES = [name for name in data.USERS if name not in ("rep2", "rep3")]
HREF = re.compile(r"""<a\b[^>]*\bhref="([^"]+)\"""")
SKIP = ("/static/", "/media/", "/logout/", "/i18n/", "/api/", "/admin/")
PER_ROUTE = 2
DEPTH = 2


@pytest.fixture(scope="module")
def demo(module_db):
    with module_db.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def viewer(demo, db):
    def make(username: str) -> tuple[User, Client]:
        user = User.objects.get(username=username)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return user, client

    return make


def links_in(page: str) -> list[str]:
    """The same-site page links of a rendered page (not assets, the admin or the API)."""
    found = []
    for raw in HREF.findall(page):
        url = html.unescape(raw)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path == "/" or parts.path.startswith(SKIP):
            continue
        found.append(url.split("#")[0])
    return found


def route_of(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return urlsplit(url).path


class Crawl:
    def __init__(self, client):
        self.client = client
        self.seen: set[str] = set()
        self.per_route: Counter = Counter()
        self.dead: list[str] = []
        self.fetched = 0

    def fetch(self, url: str, came_from: str) -> str:
        self.seen.add(url)
        self.fetched += 1
        response = self.client.get(url)
        if response.status_code >= 400:
            self.dead.append(f"{response.status_code} {url} (linked from {came_from})")
            return ""
        if "html" not in response.get("Content-Type", ""):
            return ""
        return response.content.decode()

    def follow(self, pages: dict[str, str]) -> dict[str, str]:
        """Fetch the links of ``pages`` not seen yet, a few per URL pattern."""
        found: dict[str, str] = {}
        for origin, page in pages.items():
            for url in links_in(page):
                if url in self.seen:
                    continue
                route = route_of(url)
                if self.per_route[route] >= PER_ROUTE:
                    continue
                self.per_route[route] += 1
                found[url] = self.fetch(url, origin)
        return found


@pytest.mark.parametrize("username", ROLES)
def test_no_link_on_the_menu_pages_is_dead_for_the_viewer(viewer, username):
    user, client = viewer(username)
    crawl = Crawl(client)
    start = menu_urls(user)
    assert start, username
    pages = {url: crawl.fetch(url, "the menu") for url in start}
    assert not crawl.dead, crawl.dead  # every page of the menu opens
    for _depth in range(DEPTH):
        pages = crawl.follow(pages)
    assert crawl.fetched > len(start)
    assert not crawl.dead, "\n".join(crawl.dead)


@pytest.mark.parametrize("username", ROLES)
def test_the_menu_has_at_most_seven_entries_and_groups_the_rest(viewer, username):
    user, client = viewer(username)
    top = menu_for(user)
    assert 1 <= len(top) <= MAX_TOP_ENTRIES, [str(item["label"]) for item in top]
    page = client.get(menu_urls(user)[0]).content.decode()
    nav = page[page.index('<nav class="menu"') : page.index("</nav>")]
    assert nav.count("<summary>") == sum(1 for item in top if "links" in item)
    for url in menu_urls(user):
        assert f'href="{url}"' in nav, url


def test_an_entry_follows_its_pages_permission_function_not_only_the_role(viewer):
    """A manager who leads no team sets no targets: the page answers 404, so the menu has no
    entry for it; the demo manager, who leads a team, has it."""
    from django.urls import reverse

    from ltc.org.models import Role

    targets = reverse("dashboards:targets")
    alone = User.objects.create_user(username="m-alone", role=Role.MANAGER, password="x")
    client = Client()
    client.force_login(alone)
    assert targets not in menu_urls(alone)
    assert client.get(targets).status_code == 404
    manager, _client = viewer("manager")
    assert targets in menu_urls(manager)
