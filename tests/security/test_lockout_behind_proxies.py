"""The lockout cannot lock people out from outside: behind ``LTC_TRUSTED_PROXIES`` proxies the
client's address comes from X-Forwarded-For (what the proxy appended, never what the client
wrote), the lockout keys on user name and address together, and an admin unlocks from the
admin."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from ltc.security.proxies import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-1"
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.7"
VICTIM = "198.51.100.9"


@pytest.fixture
def rep(org):
    org.rep1.set_password(PASSWORD)
    org.rep1.save()
    return org.rep1


@pytest.fixture
def one_proxy(settings):
    settings.LTC_TRUSTED_PROXIES = 1


def _login(client, password, *, remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote, "HTTP_ACCEPT_LANGUAGE": "en"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": "rep1", "password": password}, **extra)


def _lock_out(client, **where):
    for _ in range(5):
        _login(client, "wrong", **where)


@pytest.mark.parametrize(
    "trusted, forwarded, expected",
    [
        (0, "1.1.1.1", PROXY),
        (1, "", PROXY),  # did not come through the proxy
        (1, ATTACKER, ATTACKER),
        (1, f"{VICTIM}, {ATTACKER}", ATTACKER),
        (1, f"1.1.1.1, {VICTIM}, {ATTACKER}", ATTACKER),
        (1, "not-an-address", PROXY),
        (2, f"{VICTIM}, {ATTACKER}, 10.0.0.9", ATTACKER),
        (2, ATTACKER, PROXY),  # one hop short of two proxies
        (2, "", PROXY),
    ],
)
def test_the_client_is_counted_from_the_right_past_the_trusted_proxies(
    settings, trusted, forwarded, expected
):
    settings.LTC_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_the_proxy_the_lockout_is_of_the_attackers_address_only(client, rep, one_proxy):
    _lock_out(client, forwarded=ATTACKER)
    assert _login(client, PASSWORD, forwarded=ATTACKER).status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    # The same proxy forwards the real user from their own address: they get in.
    assert _login(client, PASSWORD, forwarded=VICTIM).status_code == 302


def test_a_forged_forwarded_header_does_not_move_the_lockout_onto_the_victim(
    client, rep, one_proxy
):
    # The attacker writes the victim's address into the header; the proxy appends theirs.
    _lock_out(client, forwarded=f"{VICTIM}, {ATTACKER}")
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    assert _login(client, PASSWORD, forwarded=VICTIM).status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(client, rep):
    _lock_out(client, remote=ATTACKER, forwarded=VICTIM)
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    assert _login(client, PASSWORD, remote=VICTIM, forwarded=ATTACKER).status_code == 302


def test_an_admin_unlocks_a_locked_login_from_the_admin(client, rep, org):
    _lock_out(client, remote=ATTACKER)
    assert _login(client, PASSWORD, remote=ATTACKER).status_code == 429
    attempt = AccessAttempt.objects.get(username="rep1")
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    admin = client.__class__()
    admin.force_login(org.admin)
    url = reverse("admin:axes_accessattempt_changelist")
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"action": "unlock", "_selected_action": [attempt.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _login(client, PASSWORD, remote=ATTACKER).status_code == 302
