"""People's API tokens: stored hashed, one per client or device, expiring after
``LTC_API_TOKEN_HOURS``, listed and revoked by their owner (page and API), all revoked when the
password changes; an admin never sees a usable key. A browser session ends after
``SESSION_COOKIE_AGE``."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from ltc.security.models import UserToken
from ltc.security.tokens import hash_key, issue_user_token

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


def _obtain(client="api"):
    answer = APIClient().post(
        reverse("api-token"), {"username": "rep1", "password": PASSWORD, "client": client}
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_token_works_until_it_expires_then_is_refused_with_401(rep, settings):
    with time_machine.travel(START, tick=False) as clock:
        key = _obtain()["token"]
        client = _token_client(key)
        assert client.get("/api/v1/users/me/").status_code == 200
        clock.shift(settings.LTC_API_TOKEN_HOURS * 3600 - 60)
        assert client.get("/api/v1/users/me/").status_code == 200
        clock.shift(61)
        refused = client.get("/api/v1/users/me/")
        assert refused.status_code == 401
        assert "expired" in refused.json()["detail"]


def test_only_a_hash_of_the_key_is_stored(rep):
    answer = _obtain("laptop")
    key = answer["token"]
    token = UserToken.objects.get(user=rep)
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    assert token.name == "laptop" and key.startswith(f"ltu_{token.prefix}_")
    stored = [str(value) for value in UserToken.objects.values_list(flat=False).get()]
    assert not any(key in value for value in stored)


def test_one_token_per_client_a_new_one_revokes_the_old_one_of_that_client(rep):
    laptop = _obtain("laptop")["token"]
    phone = _obtain("phone")["token"]
    laptop_again = _obtain("laptop")["token"]
    assert len({laptop, phone, laptop_again}) == 3
    assert _token_client(laptop).get("/api/v1/users/me/").status_code == 401
    assert _token_client(phone).get("/api/v1/users/me/").status_code == 200
    assert _token_client(laptop_again).get("/api/v1/users/me/").status_code == 200
    assert UserToken.objects.of(rep).active().count() == 2


def test_a_wrong_password_gets_no_token(rep):
    answer = APIClient().post(reverse("api-token"), {"username": "rep1", "password": "nope"})
    assert answer.status_code == 400
    assert not UserToken.objects.filter(user=rep).exists()


def test_an_unknown_or_malformed_key_is_refused(rep):
    for key in ("ltu_00000000_nope", "0" * 40, "ltu_" + "x" * 500):
        assert _token_client(key).get("/api/v1/users/me/").status_code == 401


def test_the_owner_lists_and_revokes_their_tokens_through_the_api(rep, org, api):
    key = _obtain("script")["token"]
    client = _token_client(key)
    listed = client.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert {row["client"] for row in rows} == {"script"}
    assert all("key" not in row and "key_hash" not in row for row in rows)
    others = api("rep2").get("/api/v1/auth/tokens/").json()["results"]
    assert {row["client"] for row in others} == {"tests"}  # rep2 sees only their own
    script = rows[0]["id"]
    assert api("rep2").delete(f"/api/v1/auth/tokens/{script}/").status_code == 404
    assert client.delete(f"/api/v1/auth/tokens/{script}/").status_code == 204
    assert client.get("/api/v1/users/me/").status_code == 401
    assert UserToken.objects.get(pk=script).revoked_at is not None  # kept, revoked


def test_the_tokens_page_issues_a_key_once_lists_and_revokes(
    rep, client, django_assert_max_num_queries
):
    client.force_login(rep)
    issued = client.post(reverse("security:tokens"), {"client": "ERP sync"})
    assert issued.status_code == 200
    key = issued.context["new_key"]
    assert key and key in issued.content.decode()
    assert _token_client(key).get("/api/v1/users/me/").status_code == 200
    issue_user_token(user=rep, name="phone")
    with django_assert_max_num_queries(8):
        page = client.get(reverse("security:tokens"))
    html = page.content.decode()
    assert "ERP sync" in html and "phone" in html and key not in html
    token = UserToken.objects.get(user=rep, name="ERP sync")
    assert client.post(reverse("security:token_revoke", args=[token.pk])).status_code == 302
    assert _token_client(key).get("/api/v1/users/me/").status_code == 401


def test_nobody_revokes_another_users_token_from_the_page(rep, org, client):
    token, _key = issue_user_token(user=org.rep2)
    client.force_login(rep)
    assert client.post(reverse("security:token_revoke", args=[token.pk])).status_code == 404
    assert UserToken.objects.get(pk=token.pk).revoked_at is None


def test_the_admin_lists_tokens_without_a_usable_key_and_revokes(rep, org, client):
    token, key = issue_user_token(user=rep, name="laptop")
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client.force_login(org.admin)
    listing = client.get(reverse("admin:security_usertoken_changelist"))
    assert listing.status_code == 200 and "laptop" in listing.content.decode()
    detail = client.get(reverse("admin:security_usertoken_change", args=[token.pk]))
    assert key not in detail.content.decode() and token.key_hash not in detail.content.decode()
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    client.post(
        reverse("admin:security_usertoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert _token_client(key).get("/api/v1/users/me/").status_code == 401


def test_a_browser_session_ends_after_the_session_age(client, rep, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.post(reverse("login"), {"username": "rep1", "password": PASSWORD})
        assert client.get(reverse("leads:pool")).status_code == 200
        clock.shift(settings.SESSION_COOKIE_AGE + 1)
        response = client.get(reverse("leads:pool"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
