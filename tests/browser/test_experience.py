"""The product around the chain, in Chromium: the workbench and the lead pages in both
languages with the switch in the header, the global search, the board without a mouse, and
the main pages on a phone-sized screen."""

from __future__ import annotations

import re

import pytest

from leads.models import Lead, LeadState
from ltc.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EN_DATE = re.compile(r"[A-Z][a-z]{2,4}\.? \d{1,2}, \d{4}")
GROUPED = re.compile(r"\d{1,3}(,\d{3})+\.\d{2}")


def lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def switch_to(page, language: str):
    with page.expect_navigation():
        page.select_option("#lang-select", language)


def test_workbench_and_lead_pages_in_chinese_and_english(login):
    rep = login("rep1", language="zh-hans")
    page = rep.page
    assert lang(page) == "zh-hans"
    assert "工作台" in page.locator("nav.menu").inner_text()
    assert page.locator("main section.card h2").count() >= 4  # the rep's panels
    rep.shot("workbench-rep-zh")

    page = rep.go("/leads/pool/")
    assert page.locator("h1").inner_text().startswith("线索公海池")
    lead = Lead.objects.filter(state=LeadState.NEW, estimated_amount__gte=1000).first()
    page = rep.go(f"/leads/{lead.pk}/")
    details = page.locator("dl.fields").first.inner_text()
    assert ISO_DATE.search(details), details
    assert GROUPED.search(details), details
    rep.shot("lead-detail-zh")

    # The switch in the header: the same page comes back in English, and stays English.
    switch_to(page, "en")
    assert lang(page) == "en"
    assert page.url.endswith(f"/leads/{lead.pk}/")
    assert "Details" in page.locator("main").inner_text()
    details = page.locator("dl.fields").first.inner_text()
    assert EN_DATE.search(details), details
    assert GROUPED.search(details), details
    page = rep.go("/")
    assert lang(page) == "en"
    assert "Workbench" in page.locator("nav.menu").inner_text()
    assert page.locator("section.card h2", has_text="My leads due for follow-up").count() == 1
    page = rep.go("/leads/pool/")
    assert page.locator("h1").inner_text().startswith("Lead pool")
    assert User.objects.get(username="rep1").language == "en"

    # Back to Chinese, from the lead pool this time.
    switch_to(page, "zh-hans")
    assert lang(page) == "zh-hans"
    assert page.locator("h1").inner_text().startswith("线索公海池")
    assert User.objects.get(username="rep1").language == "zh-hans"


def test_the_login_page_switches_language_before_signing_in(chromium, demo):
    context = chromium.new_context(base_url=demo.url, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto("/login/")
        assert lang(page) == "zh-hans"
        switch_to(page, "en")
        assert "Log in to LTC" in page.locator("h1").inner_text()
        page.fill("#id_username", "manager")
        page.fill("#id_password", "demo1234")
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        assert lang(page) == "en"
        assert User.objects.get(username="manager").language == "en"
    finally:
        context.close()


def test_global_search_from_the_header(login):
    rep = login("rep1")
    page = rep.page
    lead = Lead.objects.filter(owner__username="rep1").first()
    page.fill("#global-search", lead.company_name[:6])
    with page.expect_navigation():
        page.press("#global-search", "Enter")
    assert "/search/" in page.url
    hit = page.locator(f"main a[href='/leads/{lead.pk}/']")
    assert hit.count() == 1
    rep.shot("search")
    with page.expect_navigation():
        hit.click()
    assert page.locator("h1").inner_text().startswith(lead.title)
    # A rep of another team finds nothing of it.
    other = login("rep3")
    other.page.fill("#global-search", lead.title)
    with other.page.expect_navigation():
        other.page.press("#global-search", "Enter")
    assert other.page.locator(f"main a[href='/leads/{lead.pk}/']").count() == 0


def test_the_board_moves_a_card_with_the_keyboard_alone(login):
    rep = login("rep1")
    page = rep.go("/opportunities/board/")
    rep.shot("board")
    select = page.locator(".board-card .move-form select").first
    select.focus()
    page.keyboard.press("ArrowDown")  # a later stage than the next one
    page.keyboard.press("Tab")  # to the "Move to…" button
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    dialog = page.locator("#move-dialog")
    dialog.locator(".move-panel").wait_for()
    assert dialog.evaluate("d => d.open")
    # The dialog says what the stage still needs, or offers the confirmation.
    body = dialog.inner_text()
    assert dialog.locator(".checklist, .confirm-move, .refusal").count() >= 1, body
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")


@pytest.mark.parametrize("username", ["rep1", "manager"])
def test_the_main_pages_fit_a_phone_sized_screen(login, username):
    session = login(username)
    page = session.page
    page.set_viewport_size({"width": 390, "height": 844})
    paths = ["/", "/leads/pool/", "/leads/mine/", "/opportunities/board/", "/opportunities/"]
    paths += ["/contracts/", "/delivery/orders/", "/customers/"]
    for path in paths:
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} is {overflow}px wider than a 390px screen"
        # The search box and the menu stay reachable.
        assert page.locator("#global-search").is_visible(), path
        assert page.locator("nav.menu > *").first.is_visible(), path
    session.shot(f"phone-{username}")


def test_inputs_have_labels_on_the_lead_and_opportunity_pages(login):
    rep = login("rep1")
    lead = Lead.objects.filter(owner__username="rep1", state=LeadState.ASSIGNED).first()
    from opportunities.models import Opportunity

    deal = Opportunity.objects.filter(owner__username="rep1", state="open").first()
    paths = [f"/leads/{lead.pk}/", "/leads/new/", "/opportunities/board/", "/"]
    for path in [*paths, f"/opportunities/{deal.pk}/", "/leads/pool/", "/search/?q=co"]:
        page = rep.go(path)
        unlabeled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                .map(el => el.name || el.id)"""
        )
        assert unlabeled == [], f"{path}: inputs without a label: {unlabeled}"
        duplicates = page.evaluate(
            """() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
                return ids.filter((id, i) => ids.indexOf(id) !== i); }"""
        )
        assert duplicates == [], f"{path}: ids used twice: {duplicates}"


def test_a_form_with_errors_keeps_the_input_and_shows_each_fields_error(login):
    marketing = login("marketing")
    page = marketing.go("/leads/new/")
    page.fill("[name=company_name]", "Kept Input Co.")
    page.fill("[name=contact_name]", "Mr. Kept")
    page.fill("[name=email]", "not-an-e-mail")
    # Past the browser's own checks, to the server's (what a script or an old browser sends).
    page.locator("main form").evaluate("form => { form.noValidate = true; }")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    # Nothing was created; the page says what is wrong next to each field and keeps the rest.
    assert not Lead.objects.filter(company_name="Kept Input Co.").exists()
    assert page.locator("[name=company_name]").input_value() == "Kept Input Co."
    assert page.locator("[name=contact_name]").input_value() == "Mr. Kept"
    errors = page.locator(".form-row .errorlist")
    assert errors.count() == 3, page.locator("main").inner_text()  # title, e-mail, source
    for name in ("title", "email", "source"):
        row = page.locator(".form-row", has=page.locator(f"[name={name}]"))
        assert row.locator(".errorlist").count() == 1, name
