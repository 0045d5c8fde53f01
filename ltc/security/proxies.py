"""Which address a request comes from, behind ``LTC_TRUSTED_PROXIES`` reverse proxies; django-axes
asks ``client_ip`` (``AXES_CLIENT_IP_CALLABLE``) for the address it counts failed logins under.

Each proxy appends the address it received the request from to ``X-Forwarded-For``; the nearest
one is ``REMOTE_ADDR``. With N trusted proxies the client is therefore the N-th address from the
right of the chain "header entries, then REMOTE_ADDR": whatever a client wrote into the header
itself sits further left and is never believed. (django-ipware's proxy count falls back to the
proxy's own address when the header holds more entries than it expects, which let a forged
header move an attacker's failures onto the proxy and every user behind it.) 0, the default,
trusts no header: the client is REMOTE_ADDR."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = getattr(settings, "LTC_TRUSTED_PROXIES", 0)
    if trusted <= 0:
        return _address(remote) or remote or None
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part.strip() for part in forwarded if part.strip()] + [remote]
    if len(chain) <= trusted:
        # Fewer hops than proxies: the request did not come through all of them.
        return _address(remote) or remote or None
    return _address(chain[-(trusted + 1)]) or _address(remote) or remote or None
