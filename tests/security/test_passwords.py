"""Self-service passwords: a user changes their own password, or chooses a new one through a
link sent by e-mail; either way every API token of theirs stops working, and their other
browser sessions end."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from ltc.security.models import UserToken
from ltc.security.tokens import issue_user_token

pytestmark = pytest.mark.django_db

OLD = "right-password-1"
NEW = "a-new-Passw0rd-for-ltc"


@pytest.fixture
def rep(org):
    org.rep1.set_password(OLD)
    org.rep1.email = "rep1@example.com"
    org.rep1.save()
    return org.rep1


def _token_works(key) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/users/me/").status_code == 200


def _login(client, password):
    return client.post(reverse("login"), {"username": "rep1", "password": password})


def test_changing_the_password_revokes_the_api_tokens_and_other_sessions(client, rep):
    key = issue_user_token(user=rep)[1]
    other_browser = client.__class__()
    assert _login(other_browser, OLD).status_code == 302
    assert _login(client, OLD).status_code == 302
    assert _token_works(key)

    response = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert not _token_works(key)
    assert not UserToken.objects.of(rep).active().exists()
    assert client.get(reverse("leads:pool")).status_code == 200  # this session stays
    assert other_browser.get(reverse("leads:pool")).status_code == 302  # the other one ended
    client.logout()
    assert _login(client, OLD).status_code == 200
    assert _login(client, NEW).status_code == 302


def test_a_wrong_old_password_changes_nothing(client, rep):
    key = issue_user_token(user=rep)[1]
    client.force_login(rep)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert _token_works(key)


def test_saving_a_user_without_a_new_password_keeps_the_tokens(rep):
    key = issue_user_token(user=rep)[1]
    rep.first_name = "Lei"
    rep.save()
    assert _token_works(key)


def test_a_password_reset_by_e_mail_sets_a_new_password_and_revokes_the_tokens(client, rep):
    key = issue_user_token(user=rep)[1]
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("password_reset") in page.content.decode()

    response = client.post(reverse("password_reset"), {"email": "rep1@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rep1@example.com"]
    link = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert not _token_works(key)
    assert _login(client, NEW).status_code == 302
    # The link worked once.
    assert not client.get(link, follow=True).context["validlink"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, rep):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "name, text",
    [
        ("password_reset", "忘记密码了吗？"),
        ("password_reset_done", "请查收邮件"),
        ("password_change", "修改密码"),
    ],
)
def test_the_password_pages_are_translated(client, rep, name, text):
    client.force_login(rep)
    page = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert text in page.content.decode()
