"""Sentry is switched on by SENTRY_DSN alone, and off without it."""

from __future__ import annotations

from .helpers import python_with_settings

CODE = (
    "import sentry_sdk; client = sentry_sdk.get_client(); "
    "print(client.is_active(), client.options['send_default_pii'], "
    "sorted(name for name in client.integrations if name in ('django', 'celery', 'logging')))"
)


def _sentry(tmp_path, **env) -> str:
    return python_with_settings(CODE, tmp_path, drop=("SENTRY_",), **env)


def test_a_dsn_switches_sentry_on_with_the_django_and_celery_integrations(tmp_path):
    # Nothing is sent: no event happens, and the address is this machine's.
    answer = _sentry(tmp_path, SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert answer == "True False ['celery', 'django', 'logging']"


def test_without_a_dsn_sentry_stays_off(tmp_path):
    assert _sentry(tmp_path).startswith("False")
