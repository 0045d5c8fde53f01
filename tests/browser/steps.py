"""Small helpers of the browser walk: forms are found by their action, fields by their name, so
the steps read like what a user does ("in the follow-up form, pick a visit and write a note")."""

from __future__ import annotations

import re


def form(page, action_contains: str, nth: int = 0):
    """The form posting to a URL containing ``action_contains`` (a path such as "/validate/"),
    or, for a page's own form without an action, a CSS selector such as "main form"."""
    if action_contains.startswith("/"):
        return page.locator(f'form[action*="{action_contains}"]').nth(nth)
    return page.locator(action_contains).nth(nth)


def fill(page, action_contains: str, values: dict, nth: int = 0):
    """Fill the named fields of the form whose action contains ``action_contains``."""
    target = form(page, action_contains, nth)
    for name, value in values.items():
        field = target.locator(f'[name="{name}"]')
        tag = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            field.select_option(value)
        elif tag.endswith(":checkbox"):
            field.set_checked(bool(value))
        else:
            field.fill(str(value))
    return target


def submit(page, action_contains: str, values: dict | None = None, nth: int = 0):
    """Fill and submit a form, then wait for the page it lands on."""
    target = fill(page, action_contains, values or {}, nth)
    with page.expect_navigation():
        target.locator("button[type=submit]").first.click()
    return page


def flash(page) -> str:
    messages = page.locator("ul.messages")
    return messages.inner_text() if messages.count() else ""


def assert_flash(page, pattern: str):
    text = flash(page)
    assert re.search(pattern, text, re.IGNORECASE), f"flash {text!r} does not say {pattern!r}"


def path_id(page, pattern: str) -> int:
    """The id in the current URL, e.g. ``path_id(page, r"/leads/(\\d+)/")``."""
    match = re.search(pattern, page.url)
    assert match, f"{page.url} does not match {pattern}"
    return int(match.group(1))
