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


BEHIND_ONE = override_settings(LTC_TRUSTED_PROXIES=1)


@BEHIND_ONE
def test_behind_one_trusted_proxy_the_address_it_appended_is_the_client():
    assert _client(**BEHIND_CADDY) == "177.139.233.139"


@BEHIND_ONE
def test_behind_one_trusted_proxy_a_client_cannot_choose_its_address():
    # What the client wrote into the header sits left of what Caddy appended and is not
    # believed; nor does the lockout fall on the proxy's address, which every user shares.
    forged = {**BEHIND_CADDY, "HTTP_X_FORWARDED_FOR": "93.184.216.34, 177.139.233.139"}
    assert _client(**forged) == "177.139.233.139"


@override_settings(LTC_TRUSTED_PROXIES=2)  # a TLS terminator, then Caddy
def test_behind_two_trusted_proxies_the_client_is_two_hops_back():
    chain = {**BEHIND_CADDY, "HTTP_X_FORWARDED_FOR": "177.139.233.139, 10.0.0.2"}
    assert _client(**chain) == "177.139.233.139"


def test_the_settings_read_the_trusted_proxies_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.LTC_TRUSTED_PROXIES, settings.AXES_CLIENT_IP_CALLABLE)"
    )
    answer = python_with_settings(code, tmp_path, LTC_TRUSTED_PROXIES="1")
    assert answer.split() == ["1", "ltc.security.proxies.client_ip"]
