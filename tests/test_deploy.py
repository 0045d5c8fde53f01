"""The production setup: docker-compose wires every process to the shared engines, and the
production settings pass Django's deployment checks and refuse to start without a secret."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_VARS = (
    "DJANGO_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "LTC_VAR_DIR",
)


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="ltc.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'ltc.sqlite3'}",
        LTC_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="ltc.settings",
    )
    env.update(overrides)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_runs_the_five_services_on_the_shared_engines():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert env["DJANGO_ENV"] == "production", name
        assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= set(env), name
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "?: (security." not in output, output
    assert "no issues" in output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    env = _production_env(tmp_path)
    del env["ALLOWED_HOSTS"]
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr
