"""Settings are read once per process: these tests read them in a fresh Python with the
environment they describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_with_settings(code: str, var_dir: Path, *, drop=(), **env: str) -> str:
    """The last line ``code`` prints after ``django.setup()``, in an environment without the
    variables named (or starting with a prefix) in ``drop``, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop))}
    environ.update(DJANGO_SETTINGS_MODULE="ltc.settings", LTC_VAR_DIR=str(var_dir), **env)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]
