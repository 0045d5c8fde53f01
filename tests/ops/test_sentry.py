"""Sentry is switched on by SENTRY_DSN alone, and off without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = (
    "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
    "print(client.is_active(), client.options['send_default_pii'], "
    "sorted(name for name in client.integrations if name in ('django', 'celery', 'logging')))"
)


def _sentry(tmp_path, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    environ.update(DJANGO_SETTINGS_MODULE="ltc.settings", LTC_VAR_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_a_dsn_switches_sentry_on_with_the_django_and_celery_integrations(tmp_path):
    # Nothing is sent: no event happens, and the address is this machine's.
    answer = _sentry(tmp_path, SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert answer == "True False ['celery', 'django', 'logging']"


def test_without_a_dsn_sentry_stays_off(tmp_path):
    assert _sentry(tmp_path).startswith("False")
