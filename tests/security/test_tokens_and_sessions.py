"""Credentials expire: a user's API token after ``LTC_API_TOKEN_HOURS`` (401, and
``auth/token/`` issues a new one), a browser session after ``SESSION_COOKIE_AGE``."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-1"
START = "2026-12-01 08:00 +0000"


@pytest.fixture
def rep(org):
    org.rep1.set_password(PASSWORD)
    org.rep1.save()
    return org.rep1


def _token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_a_token_works_until_it_expires_then_is_refused_with_401(rep, settings):
    with time_machine.travel(START, tick=False) as clock:
        answer = APIClient().post(reverse("api-token"), {"username": "rep1", "password": PASSWORD})
        assert answer.status_code == 200
        key = answer.json()["token"]
        client = _token_client(key)
        assert client.get("/api/v1/users/me/").status_code == 200
        clock.shift(settings.LTC_API_TOKEN_HOURS * 3600 - 60)
        assert client.get("/api/v1/users/me/").status_code == 200
        clock.shift(61)
        refused = client.get("/api/v1/users/me/")
        assert refused.status_code == 401
        assert "expired" in refused.json()["detail"]


def test_asking_again_after_expiry_replaces_the_token(rep, settings):
    with time_machine.travel(START, tick=False) as clock:
        url = reverse("api-token")
        first = APIClient().post(url, {"username": "rep1", "password": PASSWORD}).json()
        same = APIClient().post(url, {"username": "rep1", "password": PASSWORD}).json()
        assert same["token"] == first["token"]
        clock.shift(settings.LTC_API_TOKEN_HOURS * 3600 + 1)
        fresh = APIClient().post(url, {"username": "rep1", "password": PASSWORD}).json()
        assert fresh["token"] != first["token"]
        assert not Token.objects.filter(key=first["token"]).exists()
        assert _token_client(fresh["token"]).get("/api/v1/users/me/").status_code == 200
        assert _token_client(first["token"]).get("/api/v1/users/me/").status_code == 401


def test_a_wrong_password_gets_no_token(rep):
    answer = APIClient().post(reverse("api-token"), {"username": "rep1", "password": "nope"})
    assert answer.status_code == 400
    assert not Token.objects.filter(user=rep).exists()


def test_a_browser_session_ends_after_the_session_age(client, rep, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.post(reverse("login"), {"username": "rep1", "password": PASSWORD})
        assert client.get(reverse("leads:pool")).status_code == 200
        clock.shift(settings.SESSION_COOKIE_AGE + 1)
        response = client.get(reverse("leads:pool"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
