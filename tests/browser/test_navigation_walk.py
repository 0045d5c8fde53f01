"""Every role walks its menu in Chromium at a laptop's width (1366 px) and a phone's (390 px):
each dropdown opens, each of its links is visible and inside the screen, each page it opens
answers without an error or a script error, and a screenshot of each page lands in
``<LTC_VAR_DIR>/screens/`` (not committed) for a person to look through.

Bounded: the demo data is seeded once for the module, into a database the module's own live
server reads (committed, and flushed at the end of the module, as a transactional test leaves
it), one Chromium serves every test, and each screenshot is of the screen, not the whole page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from ltc.demo import data

from ..conftest import missing_service
from ..profiles import some
from .conftest import CHROMIUM, PASSWORD

ROLES = [name for name in data.USERS if name not in ("rep2", "rep3")]
WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}


def _on_the_test_database(keepdb: bool) -> None:
    """pytest-django sets up the test database only for a run with a test that asks for it; run
    alone, this module (whose tests ask for none, to keep the seeded rows) sets it up itself.
    It never writes anywhere else."""
    from django.db import connection
    from django.test.utils import setup_databases

    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        setup_databases(verbosity=0, interactive=False, keepdb=keepdb, aliases={"default"})
    assert connection.settings_dict["NAME"] == connection.creation._get_test_db_name()


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, django_db_keepdb):
    """The seeded demo in a live server of the module's own (pytest-django's ``live_server``
    would flush the database after every test)."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    from opportunities import defaults
    from opportunities.models import GradingPolicy, Process, Stage, StageRequirement

    with django_db_blocker.unblock():
        _on_the_test_database(django_db_keepdb)
        defaults.install(Process, Stage, StageRequirement, GradingPolicy)
        call_command("seed_demo", stdout=io.StringIO())
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            defaults.install(Process, Stage, StageRequirement, GradingPolicy)


@pytest.fixture(scope="module")
def browser(site):
    if not Path(CHROMIUM).exists():
        missing_service("chromium", f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread. The variable is the module's
    # only: left in the environment, it would reach the subprocesses of later tests (the
    # deployment check refuses it).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screens():
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


def signed_in(browser, site, username: str, size: tuple[int, int]):
    context = browser.new_context(
        base_url=site.url,
        locale="en-US",
        viewport={"width": size[0], "height": size[1]},
    )
    context.set_default_timeout(15_000)
    host = re.sub(r"^https?://", "", site.url).split(":")[0]
    context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return context, page


def menu_plan(page) -> list[tuple[int, str | None, str]]:
    """(top entry index, group label or None for a plain link, the link's href) for every page
    the menu offers, read from the rendered menu."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('nav.menu > *')).flatMap((el, i) =>
             el.matches('details') ?
               Array.from(el.querySelectorAll('.menu-panel a')).map(a =>
                 [i, el.querySelector('summary').textContent.trim(), a.getAttribute('href')]) :
               [[i, null, el.getAttribute('href')]])"""
    )


def menu_link(page, index: int, group: str | None, href: str, width: int):
    """The menu's link to ``href``, its dropdown opened: visible and inside the screen."""
    top = page.locator("nav.menu > *").nth(index)
    if group is None:
        link = top
    else:
        if top.get_attribute("open") is None:
            top.locator("summary").click()
        link = top.locator(f'.menu-panel a[href="{href}"]')
        assert link.is_visible(), (width, group, href)
    box = link.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (width, href, box)
    return link


def set_width(page, name: str):
    width, height = WIDTHS[name]
    page.set_viewport_size({"width": width, "height": height})


def close_menu(page):
    page.keyboard.press("Escape")
    page.evaluate(
        "() => document.querySelectorAll('nav.menu details[open]').forEach(d => d.open = false)"
    )


@pytest.mark.parametrize("username", ROLES)
def test_each_role_walks_its_menu_on_a_laptop_and_a_phone(browser, site, screens, username):
    """Each entry is found in the menu at the phone's width (its dropdown opened, the link on
    the screen), then at the laptop's, where it is followed; the page it opens is photographed
    at both widths (one load per page keeps the walk bounded)."""
    context, page = signed_in(browser, site, username, WIDTHS["laptop"])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        plan = menu_plan(page)
        assert 1 <= len({index for index, _, _ in plan}) <= 7, plan
        # Every entry in the full profile (CI); three spread over the menu in the fast one.
        for index, group, href in some(plan, 3):
            if page.locator("nav.menu").count() == 0:  # the admin site has a menu of its own
                page.goto("/", wait_until="domcontentloaded")
            set_width(page, "phone")
            menu_link(page, index, group, href, WIDTHS["phone"][0])
            close_menu(page)
            set_width(page, "laptop")
            link = menu_link(page, index, group, href, WIDTHS["laptop"][0])
            with page.expect_navigation(wait_until="domcontentloaded") as navigation:
                link.click()
            assert navigation.value.status < 400, (href, navigation.value.status)
            assert page.url.endswith(href), (page.url, href)
            slug = re.sub(r"[^a-z0-9]+", "-", href.lower()).strip("-") or "home"
            page.screenshot(path=str(screens / f"{username}-laptop-{slug}.png"))
            set_width(page, "phone")
            page.screenshot(path=str(screens / f"{username}-phone-{slug}.png"))
        assert not errors, errors
    finally:
        context.close()


def test_a_menu_group_works_from_the_keyboard(browser, site):
    context, page = signed_in(browser, site, "manager", WIDTHS["laptop"])
    try:
        group = page.locator("nav.menu details").nth(1)
        summary = group.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        assert group.get_attribute("open") is not None
        page.keyboard.press("ArrowDown")
        first = group.locator(".menu-panel a").first
        assert first.evaluate("a => a === document.activeElement")
        page.keyboard.press("Escape")
        assert group.get_attribute("open") is None
        assert summary.evaluate("s => s === document.activeElement")
        # Opening another group closes the first; a click elsewhere closes it too.
        summary.click()
        page.locator("nav.menu details").nth(2).locator("summary").click()
        assert group.get_attribute("open") is None
        page.locator("main h1, main h2").first.click()
        assert page.locator("nav.menu details[open]").count() == 0
        # On a phone the pool's filter card is folded, and opens with a tap.
        page.goto("/leads/pool/")
        card = page.locator("details[data-phone-collapsed]")
        assert card.get_attribute("open") is not None
        set_width(page, "phone")
        # The media query's change event folds it once the resize is applied: wait for it.
        page.wait_for_function(
            "() => !document.querySelector('details[data-phone-collapsed]').open", timeout=5000
        )
        assert card.get_attribute("open") is None
        card.locator("summary").click()
        assert page.locator("form.filters").is_visible()
    finally:
        context.close()


def test_the_board_fits_a_laptop_and_its_dialog_fixes_a_task_in_place(browser, site):
    context, page = signed_in(browser, site, "manager", WIDTHS["laptop"])
    try:
        page.goto("/opportunities/board/")
        columns = page.locator(".board-column")
        assert columns.count() == 7
        last = columns.nth(6).bounding_box()
        assert last["x"] + last["width"] <= WIDTHS["laptop"][0], last  # stage 7 on the screen
        dialog = page.locator("#move-dialog")
        fix = dialog.locator(".move-fixes form:has(input[name=note])").first
        cards = columns.nth(0).locator(".board-card")
        for index in range(cards.count()):
            cards.nth(index).locator(".move-form button").click()
            dialog.locator(".move-panel").wait_for()
            if fix.count():
                break
            dialog.locator("form[method=dialog] button").click()
        assert fix.count(), "no deal of stage 1 waits for a task"
        fix.locator("input[name=note]").fill("Budget confirmed on the phone")
        fix.locator("button").click()
        dialog.locator(".messages", has_text="Task done.").wait_for()
        assert page.url.endswith("/opportunities/board/")  # never left the board
        assert dialog.locator(".checklist li.met").count() >= 1
    finally:
        context.close()
