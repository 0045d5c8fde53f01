"""The production setup: docker-compose wires every process to the shared engines, and the
production settings pass Django's deployment checks and refuse to start without a secret."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_compose_runs_every_process_on_the_shared_engines():
    services = _compose()["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "proxy"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert env["DJANGO_ENV"] == "production", name
        assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= set(env), name
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name


def test_compose_serves_every_web_node_through_one_proxy_port():
    services = _compose()["services"]
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert list(published) == ["proxy"] and len(published["proxy"]) == 1
    assert published["proxy"][0].endswith(":80")
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    mounted = services["proxy"]["volumes"][0].split(":")
    assert mounted[:2] == ["./deploy/Caddyfile", "/etc/caddy/Caddyfile"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    # The replicas are found by DNS and asked again: --scale web=N needs no change.
    assert "dynamic a" in caddyfile and "name web" in caddyfile and "port 8000" in caddyfile
    assert "health_uri /readyz" in caddyfile
    # The web nodes trust one proxy in front of them for the client's address (django-axes).
    assert services["web"]["environment"]["LTC_TRUSTED_PROXIES"].startswith(
        "${LTC_TRUSTED_PROXIES:-1"
    )
    assert "ports" not in services["web"] and services["web"]["expose"] == ["8000"]


def test_compose_migrates_once_before_any_app_process_starts():
    services = _compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert "migrate" not in " ".join(map(str, services[name]["command"])), name


def test_compose_runs_exactly_one_locked_beat_and_checks_readiness():
    services = _compose()["services"]
    beat = services["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert "--scheduler=ltc.ops.beat:LockedScheduler" in beat["command"]
    assert "beat_heartbeat" in beat["healthcheck"]["test"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in web_check
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/prometheus"
    assert "/tmp/prometheus" in services["web"]["tmpfs"]
    assert "-c" in services["postgres"]["command"] and "jit=off" in services["postgres"]["command"]


def _accepted(tool: str, *args: str, **env: str) -> None:
    """The tool (Debian's package) parses the file without complaint."""
    path = shutil.which(tool)
    if path is None:
        reason = f"needs {tool} (apt-get install docker-compose caddy)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs this: {reason}")
        pytest.skip(reason)
    result = subprocess.run(
        [path, *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_accepts_the_compose_file():
    """Docker's own parser (Debian's docker-compose; no engine needed): interpolation, anchors,
    depends_on conditions and the rest of the schema."""
    _accepted(
        "docker-compose", "-f", "docker-compose.yml", "config", "-q",
        SECRET_KEY="x" * 50, ALLOWED_HOSTS="ltc.example.com", POSTGRES_PASSWORD="s3cret-pw",
    )  # fmt: skip


def test_compose_has_no_default_database_password_and_publishes_only_the_proxy():
    """A default password is a known password: compose refuses to start without one."""
    text = (ROOT / "docker-compose.yml").read_text()
    assert "POSTGRES_PASSWORD:-" not in text
    services = _compose()["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    assert "${POSTGRES_PASSWORD:?" in services["web"]["environment"]["DATABASE_URL"]
    for name, service in services.items():
        assert ("ports" in service) == (name == "proxy"), name
    path = shutil.which("docker-compose")
    if path is not None:
        env = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
        result = subprocess.run(
            [path, "-f", "docker-compose.yml", "config", "-q"],
            cwd=ROOT,
            env={**env, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "ltc.example.com"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert "POSTGRES_PASSWORD" in result.stdout + result.stderr


def test_caddy_accepts_the_proxy_configuration():
    _accepted("caddy", "validate", "--adapter", "caddyfile", "--config", "deploy/Caddyfile")


def test_gunicorn_reads_its_settings_from_the_working_directory():
    from gunicorn.config import Config

    config = Config()
    namespace: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    for key in ("workers", "worker_class", "threads", "keepalive", "logconfig_dict"):
        config.set(key, namespace[key])
    assert (config.workers, config.worker_class_str, config.threads) == (2, "gthread", 4)
    assert namespace["control_socket_disable"] is True


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "?: (security." not in output, output
    assert "no issues" in output


def test_drfs_defaults_import_whichever_is_asked_for_first(tmp_path):
    """DRF's APIView reads the default parser and metadata classes when it is defined: when the
    first module to import DRF's views is one those defaults name, the import went round in a
    circle. ``check --deploy`` asks for the pagination class first in some runs (its checks are a
    set) and failed then; here it is asked first every time."""
    code = (
        "import django; django.setup(); "
        "from rest_framework.settings import api_settings as s; "
        "print(s.DEFAULT_PAGINATION_CLASS.__name__, s.DEFAULT_METADATA_CLASS.__name__, "
        "[p.__name__ for p in s.DEFAULT_PARSER_CLASSES][0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Pagination", "Metadata", "JSONParser"]


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
