"""Where a ``next`` parameter may send the user: a path on this site, nothing else. The one check
of every ``next`` (redirects after a form, "back" links on pages); Django's login and language
views run the same ``url_has_allowed_host_and_scheme`` themselves.

A test like ``startswith("/") and not startswith("//")`` lets ``/\\evil.example`` through, which
browsers read as ``//evil.example``; Django's function knows that trick and the others
(``https:/evil``, control characters, ``javascript:``)."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, candidate: str | None) -> str | None:
    """``candidate`` if it is a relative URL of this site, else None."""
    if not candidate or not isinstance(candidate, str):
        return None
    if not candidate.startswith("/") or "\\" in candidate:
        # Only site paths: no absolute URL to our own host either (a host header is spoofable),
        # and no backslash anywhere (browsers read it as a slash).
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return candidate
