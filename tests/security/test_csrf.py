"""CSRF on every form: a crawl of the demo's pages as several roles finds every POST form and
checks it carries the token, and a client that enforces CSRF is refused (403) when it posts to
any of those forms without the token."""

import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from ltc.org.models import User

from ..profiles import FULL

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
METHOD_POST = re.compile(r"""method\s*=\s*["']?post""", re.I)
ACTION = re.compile(r"""action\s*=\s*["']([^"']*)["']""", re.I)
HREF = re.compile(r"""href\s*=\s*["'](/[^"'#]*)""", re.I)
# Every role whose pages carry their own forms in the full profile; in the fast one the admin
# (who reaches every route) and two roles whose pages differ most (tests/profiles.py).
CRAWLED_ROLES = (
    ("admin", "manager", "rep1", "delivery", "finance", "marketing")
    if FULL
    else ("admin", "rep1", "finance")
)
# Two instances of each detail page are enough to see its forms; the fast profile looks at one
# of each (every route still crawled, tests/profiles.py).
PAGES_PER_ROUTE = 2 if FULL else 1
SKIP = ("/static/", "/api/", "/logout/", "/i18n/", "/admin/jsi18n/")


def _route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def _crawl(client: Client) -> dict[str, list[tuple[str, str]]]:
    """Pages reachable from the home page → their POST forms as (action, form html)."""
    seen_routes: dict[str, int] = {}
    queue, visited, forms = ["/"], set(), {}
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in visited or path.startswith(SKIP):
            continue
        visited.add(url)
        route = _route(path)
        if route is None or seen_routes.get(route, 0) >= PAGES_PER_ROUTE:
            continue
        seen_routes[route] = seen_routes.get(route, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        forms[url] = [
            (urljoin(url, (ACTION.search(attrs) or [None, url])[1] or url), body)
            for attrs, body in FORM.findall(html)
            if METHOD_POST.search(attrs)
        ]
        queue += [href for href in HREF.findall(html) if href not in visited]
    return forms


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def test_every_post_form_carries_the_csrf_token_and_posting_without_it_is_refused(demo):
    pages = forms = 0
    actions: dict[str, tuple[str, str]] = {}  # one form action per route, with who saw it
    for username in CRAWLED_ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url, page_forms in _crawl(client).items():
            pages += 1
            for action, body in page_forms:
                forms += 1
                assert 'name="csrfmiddlewaretoken"' in body, f"{username} {url} → {action}"
                route = _route(urlsplit(action).path)
                actions.setdefault(route or action, (username, action))
    assert pages > 50 and forms > 30 and len(actions) > 20, (pages, forms, len(actions))

    strict = Client(enforce_csrf_checks=True)
    for route, (username, action) in actions.items():
        strict.force_login(User.objects.get(username=username))
        response = strict.post(action, {})
        assert response.status_code == 403, f"{username} POST {action} ({route})"
    login = Client(enforce_csrf_checks=True).post("/login/", {"username": "rep1", "password": "x"})
    assert login.status_code == 403
