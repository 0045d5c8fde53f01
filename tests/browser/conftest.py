"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
live server, with the demo data seeded and the demo users logging in through the login form.

Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it):
Playwright's own browser download is not used. Locally the tests skip with the reason when it
is missing; in CI (CI=true) they fail. When a test fails, every page it opened is saved as a
screenshot under ``<LTC_VAR_DIR>/artifacts/`` (``var/artifacts/`` by default). With
``LTC_SCREENSHOTS=1`` the walk also saves a screenshot of each main page it passes.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
from pathlib import Path

import pytest

from ..conftest import missing_service

CHROMIUM = os.environ.get("LTC_CHROMIUM", "/usr/bin/chromium")

PASSWORD = "demo1234"


def artifacts_dir() -> Path:
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, a screenshot of every page the test opened (the evidence of what it saw)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = getattr(item, "_ltc_pages", [])
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
    for index, (label, page) in enumerate(pages):
        try:
            path = artifacts_dir() / f"{slug}-{index}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            report.sections.append(("browser", f"screenshot of {label} at {page.url}: {path}"))
        except Exception as exc:  # a closed page or a crashed browser: report, do not mask
            report.sections.append(("browser", f"no screenshot of {label}: {exc}"))


@pytest.fixture
def chromium(demo):
    """A Chromium of the test's own, started after the database is set up: Playwright's sync
    API runs an event loop in this thread for as long as it lives, which Django's async-safety
    check would take for an async context. It lives only as long as the test."""
    if not Path(CHROMIUM).exists():
        missing_service("chromium", f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev dependency missing
        missing_service("chromium", "needs the playwright package (make venv)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield browser
        browser.close()


# The seeded demo database of this test process (SQLite), copied back before each later browser
# test instead of seeding again: ``seed_demo`` took 1.5–3 s of every browser test's setup.
_SEEDED: list = []


def _seeded_demo() -> None:
    """The demo data in the test's (flushed, transactional) database: seeded by ``seed_demo`` the
    first time, and on SQLite kept as a page-for-page copy (SQLite's backup API) that later tests
    restore. The restore overwrites every table, so each test starts from the same rows whatever
    the one before it left; the caches that remember rows (content types, the cache framework)
    are emptied with it."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite" or not _SEEDED:
        call_command("seed_demo", stdout=io.StringIO())
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            snapshot = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(snapshot)
            _SEEDED.append(snapshot)
        return
    connection.ensure_connection()
    _SEEDED[0].backup(connection.connection)
    ContentType.objects.clear_cache()
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def demo(live_server, monkeypatch, _shipped_configuration):
    """The demo data in the live server's (transactional) database."""
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _seeded_demo()
    return live_server


def panels_loaded(page) -> None:
    """Wait for the lazy panels (``.lazy-panel``, swapped by htmx as the page loads: the deal
    page's tenders, quotes, timeline, histories, plans and files) to be in place."""
    page.wait_for_function("() => !document.querySelector('.lazy-panel')")


class Session:
    """One demo user's browser session: a context of its own, so several users work side by
    side (the rep asks, the manager approves) without logging out."""

    def __init__(self, browser, base_url: str, username: str, language: str, request):
        self.username = username
        self.base_url = base_url
        self.context = browser.new_context(
            base_url=base_url, locale="en-US" if language == "en" else "zh-CN"
        )
        host = re.sub(r"^https?://", "", base_url).split(":")[0]
        self.context.add_cookies(
            [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        # Confirmations before irreversible actions: record the question and say yes.
        self.page.on("dialog", self._accept_dialog)
        request.node._ltc_pages = [*getattr(request.node, "_ltc_pages", []), (username, self.page)]
        self.login()

    def _accept_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def login(self):
        page = self.page
        page.goto("/login/")
        page.fill("#id_username", self.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))

    def go(self, path: str):
        self.page.goto(path)
        panels_loaded(self.page)
        return self.page

    def flash(self) -> str:
        return self.page.locator("ul.messages").inner_text()

    def shot(self, name: str):
        """With LTC_SCREENSHOTS=1, keep a picture of this page for the record."""
        if os.environ.get("LTC_SCREENSHOTS"):
            path = artifacts_dir() / f"page-{name}.png"
            self.page.screenshot(path=str(path), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def login(chromium, demo, request):
    """``login("rep1")`` → a Session logged in as that demo user (English unless told)."""
    sessions: list[Session] = []

    def make(username: str, language: str = "en") -> Session:
        session = Session(chromium, demo.url, username, language, request)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
