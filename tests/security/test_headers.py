"""Every response carries the security headers; the policy allows only our own origin."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/login/", "/leads/pool/", "/api/v1/users/me/", "/api/docs/"])
def test_every_response_carries_the_security_headers(browser_as, url):
    response = browser_as("rep1").get(url)
    assert response.status_code == 200, url
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "form-action 'self'" in csp
    assert "http" not in csp  # no remote origin is trusted
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_session_and_csrf_cookies_are_not_readable_by_scripts(client, org):
    org.rep1.set_password("right-password-1")
    org.rep1.save()
    response = client.post(reverse("login"), {"username": "rep1", "password": "right-password-1"})
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_pages_load_scripts_only_from_our_own_static_files(browser_as):
    import re

    html = browser_as("rep1").get(reverse("opportunities:board")).content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert sources, "the board loads htmx and its own script"
    assert all(src.startswith("/static/") for src in sources), sources


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_api_schema_and_docs_need_a_login_in_production(client, org, url, settings):
    settings.DEBUG = False
    response = client.get(url)
    assert response.status_code in (302, 401, 403), response.status_code
    if url == "/api/docs/":
        assert response["Location"].startswith(reverse("login"))
    client.force_login(org.rep1)
    assert client.get(url).status_code == 200


def test_the_api_schema_is_open_while_debugging(client, org, settings):
    settings.DEBUG = True
    assert client.get("/api/schema/").status_code == 200
