"""People's API tokens are read from the cache after their first use and forgotten exactly when
they are revoked or rotated, or their user changes: the next call then sees the new state."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ltc.org.models import Role
from ltc.security import token_cache
from ltc.security.models import UserToken
from ltc.security.tokens import issue_user_token, revoke_all_user_tokens, revoke_user_token

URL = "/api/v1/leads/?page_size=1"


@pytest.fixture(autouse=True)
def _token_cache(settings):
    settings.LTC_TOKEN_CACHE_SECONDS = 300
    cache.clear()


@pytest.fixture
def call(django_capture_on_commit_callbacks):
    """GET as the holder of ``key``: the status and whether the token was read from the table.
    The commit callbacks run as they would after a real commit (the test's transaction never
    commits)."""

    def get(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        with (
            CaptureQueriesContext(connection) as ctx,
            django_capture_on_commit_callbacks(execute=True),
        ):
            status = client.get(URL).status_code
        read = any("security_usertoken" in q["sql"] for q in ctx.captured_queries)
        return status, read

    return get


def test_the_second_call_reads_no_token_row(org, call):
    _token, key = issue_user_token(user=org.rep1, name="phone")
    assert call(key) == (200, True)
    assert call(key) == (200, False)
    assert call(key) == (200, False)


def test_a_revoked_token_is_refused_on_the_next_call(org, call):
    token, key = issue_user_token(user=org.rep1, name="phone")
    assert call(key)[0] == 200 and call(key) == (200, False)
    revoke_user_token(token=token, by=org.rep1)
    assert call(key) == (401, True)


def test_a_rotated_token_is_refused_and_the_new_one_answers(org, call):
    _old, old_key = issue_user_token(user=org.rep1, name="phone")
    call(old_key)
    assert call(old_key) == (200, False)
    _new, new_key = issue_user_token(user=org.rep1, name="phone")
    assert call(old_key)[0] == 401
    assert call(new_key)[0] == 200


def test_revoking_all_and_the_admin_action_refuse_on_the_next_call(org, call, rf):
    from django.contrib.admin.sites import site

    _t, key1 = issue_user_token(user=org.rep1, name="phone")
    _t, key2 = issue_user_token(user=org.rep2, name="phone")
    for key in (key1, key2):
        call(key)
        assert call(key) == (200, False)
    revoke_all_user_tokens(org.rep1.pk)
    assert call(key1)[0] == 401
    request = rf.post("/")
    request.user = org.admin
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    site._registry[UserToken].revoke(request, UserToken.objects.filter(user=org.rep2))
    assert call(key2)[0] == 401


def test_a_saved_user_is_read_afresh(org, call):
    _t, key = issue_user_token(user=org.rep1, name="phone")
    call(key)
    assert call(key) == (200, False)
    org.rep1.role = Role.MANAGER
    org.rep1.save()
    assert call(key) == (200, True)  # looked up again, with the user as saved
    cached = cache.get(token_cache.PREFIX + UserToken.objects.get(user=org.rep1).key_hash)
    assert cached.user.role == Role.MANAGER
    org.rep1.is_active = False
    org.rep1.save()
    assert call(key)[0] == 401


def test_what_a_rolled_back_transaction_read_is_never_kept(org):
    _t, key = issue_user_token(user=org.rep1, name="phone")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL).status_code == 200  # inside the test's transaction: not kept
    token = UserToken.objects.get(user=org.rep1, name="phone")
    assert cache.get(token_cache.PREFIX + token.key_hash) is None


def test_a_cache_that_does_not_answer_leaves_the_database_to_decide(org, call, monkeypatch):
    token, key = issue_user_token(user=org.rep1, name="phone")

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "delete_many", down)
    assert call(key) == (200, True)
    revoke_user_token(token=token, by=org.rep1)
    assert call(key)[0] == 401
