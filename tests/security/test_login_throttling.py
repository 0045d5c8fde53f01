"""Brute force: after five failed logins a user name is locked out from that address, on the
login page and on ``auth/token/`` alike, even with the right password; others still get in."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-1"


@pytest.fixture
def rep(org):
    org.rep1.set_password(PASSWORD)
    org.rep1.save()
    org.rep2.set_password(PASSWORD)
    org.rep2.save()
    return org.rep1


def _login(client, username, password):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_login_page_logs_a_user_in_with_the_right_password(client, rep):
    response = _login(client, "rep1", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == rep


def test_five_wrong_passwords_lock_the_user_name_out_even_with_the_right_one(client, rep):
    for _ in range(4):
        assert _login(client, "rep1", "wrong").status_code == 200  # the form again, with its error
    locked = _login(client, "rep1", "wrong")
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.content.decode()
    again = _login(client, "rep1", PASSWORD)
    assert again.status_code == 429
    assert not again.wsgi_request.user.is_authenticated
    assert AccessAttempt.objects.get(username="rep1").failures_since_start >= 5


def test_a_lockout_of_one_user_name_leaves_the_others_alone(client, rep):
    for _ in range(5):
        _login(client, "rep1", "wrong")
    assert _login(client, "rep2", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, rep, settings):
    import time_machine

    with time_machine.travel("2026-12-01 10:00 +0000", tick=False) as clock:
        for _ in range(5):
            _login(client, "rep1", "wrong")
        assert _login(client, "rep1", PASSWORD).status_code == 429
        clock.shift(settings.AXES_COOLOFF_TIME.total_seconds() + 1)
        assert _login(client, "rep1", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, rep):
    for _ in range(4):
        _login(client, "rep1", "wrong")
    assert _login(client, "rep1", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "rep1", "wrong").status_code == 200
    assert _login(client, "rep1", PASSWORD).status_code == 302


def test_the_token_endpoint_is_throttled_too_and_answers_json(rep):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("api-token")
    for _ in range(4):
        assert client.post(url, {"username": "rep1", "password": "wrong"}).status_code == 400
    locked = client.post(url, {"username": "rep1", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.json()["detail"]
    assert client.post(url, {"username": "rep1", "password": PASSWORD}).status_code == 429
