"""django-axes behind the proxy: the number of trusted proxies (LTC_TRUSTED_PROXIES, compose: 1)
decides which address is the client's; with none trusted, a forged X-Forwarded-For is ignored."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.test import RequestFactory, override_settings

from .helpers import python_with_settings

BEHIND_CADDY = {"HTTP_X_FORWARDED_FOR": "177.139.233.139", "REMOTE_ADDR": "172.18.0.5"}


def _client(**meta) -> str:
    return get_client_ip_address(RequestFactory().get("/login/", **meta))


def test_without_trusted_proxies_the_peer_is_the_client_and_a_forged_header_is_ignored():
    assert _client(**BEHIND_CADDY) == "172.18.0.5"


BEHIND_ONE = override_settings(
    AXES_IPWARE_PROXY_COUNT=0,  # what LTC_TRUSTED_PROXIES=1 sets
    AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
)


@BEHIND_ONE
def test_behind_one_trusted_proxy_the_address_it_appended_is_the_client():
    assert _client(**BEHIND_CADDY) == "177.139.233.139"


@BEHIND_ONE
def test_behind_one_trusted_proxy_a_client_cannot_choose_its_address():
    # A chain longer than the trusted proxies make is not believed: the peer counts instead.
    forged = {**BEHIND_CADDY, "HTTP_X_FORWARDED_FOR": "93.184.216.34, 177.139.233.139"}
    assert _client(**forged) == "172.18.0.5"


@override_settings(
    AXES_IPWARE_PROXY_COUNT=1,  # LTC_TRUSTED_PROXIES=2: a TLS terminator, then Caddy
    AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
)
def test_behind_two_trusted_proxies_the_client_is_two_hops_back():
    chain = {**BEHIND_CADDY, "HTTP_X_FORWARDED_FOR": "177.139.233.139, 10.0.0.2"}
    assert _client(**chain) == "177.139.233.139"


def test_the_settings_read_the_trusted_proxies_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.AXES_IPWARE_PROXY_COUNT, settings.AXES_IPWARE_META_PRECEDENCE_ORDER[0])"
    )
    answer = python_with_settings(code, tmp_path, LTC_TRUSTED_PROXIES="1")
    assert answer.split() == ["0", "HTTP_X_FORWARDED_FOR"]
