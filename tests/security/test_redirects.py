"""Every ``next`` parameter stays on this site: the redirects after a form, the "Back" link of a
page, the login and the language switch refuse another host however it is spelled (``//``,
backslashes, a scheme, ``javascript:``) and fall back to their own page."""

import re
from html import unescape

import pytest
from django.test import RequestFactory
from django.urls import reverse

from ltc.security.redirects import safe_next_url
from tests.factories import LeadFactory, opportunity

pytestmark = pytest.mark.django_db

HOSTILE = [
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "https://evil.example/",
    "http:/evil.example/",
    "javascript:alert(1)",
    "/\t/evil.example/",
    " //evil.example/",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_helper_refuses_every_spelling_of_another_host(target):
    request = RequestFactory().get("/")
    assert safe_next_url(request, target) is None


def test_the_helper_keeps_a_path_of_this_site():
    request = RequestFactory().get("/")
    assert safe_next_url(request, "/leads/pool/?page=2") == "/leads/pool/?page=2"


@pytest.mark.parametrize("target", HOSTILE)
def test_an_action_goes_back_to_its_page_instead_of_a_foreign_next(org, browser_as, target):
    lead = LeadFactory(pool=org.region_pool)
    response = browser_as("rep1").post(reverse("leads:claim", args=[lead.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])


def test_an_action_follows_a_next_on_this_site(org, browser_as):
    lead = LeadFactory(pool=org.region_pool)
    response = browser_as("rep1").post(
        reverse("leads:claim", args=[lead.pk]), {"next": "/leads/pool/?page=1"}
    )
    assert response["Location"] == "/leads/pool/?page=1"


@pytest.mark.parametrize("target", HOSTILE)
def test_the_move_page_renders_no_back_link_to_another_host(org, browser_as, target):
    deal = opportunity(org.rep1)
    page = browser_as("rep1").get(reverse("opportunities:move", args=[deal.pk]), {"next": target})
    assert page.status_code == 200
    assert page.context["next"] == ""
    html = page.content.decode()
    # The language switch and the fix-it forms send back to this page itself; nothing carries
    # the hostile target as a place to go.
    backs = re.findall(r'name="next" value="([^"]*)"', html)
    assert backs and all(unescape(v).startswith(page.request["PATH_INFO"]) for v in backs), backs
    assert "Back</a>" not in html and "返回</a>" not in html


def test_the_move_page_keeps_a_back_link_on_this_site(org, browser_as):
    deal = opportunity(org.rep1)
    page = browser_as("rep1").get(
        reverse("opportunities:move", args=[deal.pk]),
        {"next": "/opportunities/board/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert '<a href="/opportunities/board/">Back</a>' in page.content.decode()


@pytest.mark.parametrize("target", HOSTILE)
def test_the_login_refuses_a_foreign_next(client, org, target):
    org.rep1.set_password("right-password-1")
    org.rep1.save()
    page = client.get(reverse("login"), {"next": target})
    assert page.context["next"] == ""
    response = client.post(
        reverse("login"), {"username": "rep1", "password": "right-password-1", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_refuses_a_foreign_next(client, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert "evil.example" not in response.get("Location", "")
