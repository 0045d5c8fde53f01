"""Languages: Simplified Chinese by default, a switch for anonymous and signed-in users that is
remembered on the user, and dates and money formatted per language."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def lang_of(response) -> str:
    html = response.content.decode()
    start = html.index('<html lang="') + len('<html lang="')
    return html[start : html.index('"', start)]


def test_the_default_language_is_simplified_chinese(client):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert lang_of(client.get(reverse("login"))) == "zh-hans"


def test_an_anonymous_visitor_switches_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.cookies[COOKIE].value == "en"
    assert lang_of(client.get(reverse("login"))) == "en"


def test_a_signed_in_user_switching_keeps_the_choice_on_their_account(org, browser_as):
    client = browser_as("rep1")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    org.rep1.refresh_from_db()
    assert org.rep1.language == "en"
    assert lang_of(client.get(reverse("home"))) == "en"


def test_an_unknown_language_changes_nothing(org, browser_as):
    client = browser_as("rep1")
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    org.rep1.refresh_from_db()
    assert org.rep1.language == "zh-hans"


def test_a_new_browser_gets_the_users_saved_language(org, client):
    org.rep1.language = "en"
    org.rep1.save(update_fields=["language"])
    client.force_login(org.rep1)
    response = client.get(reverse("home"))
    assert lang_of(response) == "en"
    assert response.cookies[COOKIE].value == "en"


def test_an_api_call_with_a_token_gets_no_language_cookie_and_follows_accept_language(org, client):
    from ltc.security.tokens import issue_user_token

    org.rep1.language = "en"
    org.rep1.save(update_fields=["language"])
    client.force_login(org.rep1)  # a session too: the token still makes it an API call
    _token, key = issue_user_token(user=org.rep1)
    response = client.get(
        "/api/v1/leads/does-not-exist/",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 404
    assert COOKIE not in response.cookies
    assert response["Content-Language"] == "zh-hans"


def test_the_language_picked_on_the_login_page_is_remembered(org, client):
    org.rep1.set_password("pw-for-this-test")
    org.rep1.save()
    client.cookies[COOKIE] = "en"
    response = client.post(
        reverse("login"),
        {"username": "rep1", "password": "pw-for-this-test"},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 302
    org.rep1.refresh_from_db()
    assert org.rep1.language == "en"


def test_the_header_offers_the_switch_on_every_page(browser_as):
    page = browser_as("rep1").get(reverse("home")).content.decode()
    assert 'name="language"' in page and 'value="en"' in page and 'value="zh-hans"' in page
    assert reverse("set_language") in page


RENDER = Template('{{ day }}|{{ at }}|{{ money|floatformat:"2g" }}')


def rendered(language: str) -> list[str]:
    at = timezone.make_aware(datetime(2026, 12, 1, 14, 30))
    with translation.override(language), timezone.override("Asia/Shanghai"):
        context = Context({"day": date(2026, 12, 1), "at": at, "money": Decimal("1800000.5")})
        return RENDER.render(context).split("|")


def test_chinese_dates_are_iso_and_money_is_grouped_by_thousands():
    assert rendered("zh-hans") == ["2026-12-01", "2026-12-01 14:30", "1,800,000.50"]


def test_english_dates_are_spelled_and_money_is_grouped_by_thousands():
    assert rendered("en") == ["Dec. 1, 2026", "Dec. 1, 2026, 14:30", "1,800,000.50"]
