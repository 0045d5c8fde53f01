"""Shared fixtures: an organisation like the demo one, API clients per role, service checks.

Tests that need PostgreSQL or Redis use the ``postgres`` / ``redis_broker`` fixtures: they skip
with a reason locally when the service is not configured, and fail in CI (CI=true).
"""

import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ltc.org.models import Role

from .factories import PoolFactory, TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing_service(reason: str):
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        _missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _missing_service("needs Redis: set REDIS_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        _missing_service(f"Redis at {url} does not answer: {exc}")
    return url


class Org:
    """The demo organisation in miniature: a region with two teams and one user per role."""

    def __init__(self):
        self.region = TeamFactory(name="East region")
        self.team1 = TeamFactory(name="Team 1", parent=self.region)
        self.team2 = TeamFactory(name="Team 2", parent=self.region)
        self.admin = UserFactory(
            username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True
        )
        self.manager = UserFactory(username="manager", role=Role.MANAGER, team=self.team1)
        self.team1.leader = self.manager
        self.team1.save()
        self.marketing = UserFactory(username="marketing", role=Role.MARKETING)
        self.rep1 = UserFactory(username="rep1", role=Role.REP, team=self.team1)
        self.rep2 = UserFactory(username="rep2", role=Role.REP, team=self.team1)
        self.rep3 = UserFactory(username="rep3", role=Role.REP, team=self.team2)
        self.solution = UserFactory(username="solution", role=Role.SOLUTION, team=self.team1)
        self.delivery = UserFactory(username="delivery", role=Role.DELIVERY, team=self.team1)
        self.finance = UserFactory(username="finance", role=Role.FINANCE)
        self.integration = UserFactory(username="erp", role=Role.INTEGRATION)
        self.default_pool = PoolFactory(name="Company pool", is_default=True)
        self.region_pool = PoolFactory(name="East region pool", team=self.region)
        self.team2_pool = PoolFactory(name="Team 2 pool", team=self.team2)

    def user(self, name: str):
        return getattr(self, name)


ROLES = [
    "admin",
    "manager",
    "marketing",
    "rep1",
    "rep2",
    "rep3",
    "solution",
    "delivery",
    "finance",
    "integration",
]


@pytest.fixture
def org(db):
    return Org()


@pytest.fixture
def api(org):
    """``api("rep1")`` → an APIClient authenticated as that demo user (by token)."""
    from rest_framework.authtoken.models import Token

    def make(name: str) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=org.user(name))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def browser_as(client, org):
    """``browser_as("rep1")`` → Django's test client logged in as that user."""

    def make(name: str):
        client.force_login(org.user(name))
        return client

    return make


# --- Added for the leads test suite -------------------------------------------------------------
# Celery's pytest plugin: ``celery_app`` / ``celery_worker`` (an embedded worker in a thread).
pytest_plugins = ("celery.contrib.pytest",)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Users are created by the dozen per test; the production hasher would dominate the run."""
    from django.test import override_settings

    override = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    override.enable()
    yield
    override.disable()


@pytest.fixture
def celery_broker_url():
    """The broker of the embedded test worker: Redis when REDIS_URL is set, else in-memory.
    A test (module or class) may override this fixture to pin one broker."""
    return os.environ.get("REDIS_URL") or "memory://"


@pytest.fixture
def celery_config(celery_broker_url):
    return {
        "broker_url": celery_broker_url,
        "broker_transport_options": {"socket_connect_timeout": 2}
        if celery_broker_url.startswith("redis")
        else {"polling_interval": 0.05},
        "result_backend": "cache+memory://",
        "task_always_eager": False,
    }


@pytest.fixture
def celery_worker_parameters():
    # The ping check needs stored results, which the project turns off (task_ignore_result).
    return {"perform_ping_check": False, "shutdown_timeout": 20.0}


@pytest.fixture
def celery_app(celery_config):
    """The project's own Celery app (``ltc.celery.app``) pointed at the test broker."""
    from ltc.celery import app

    # The app reads Django settings with the CELERY_ namespace, so its keys carry the prefix.
    config = {f"CELERY_{key.upper()}": value for key, value in celery_config.items()}
    saved = {key: app.conf.get(key) for key in config}

    def reset_connections():
        # The producer pool is cached with the broker it was first built for.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(config)
    reset_connections()
    app.set_current()
    app.set_default()
    import billing.tasks  # noqa: F401
    import leads.tasks  # noqa: F401 - register the tasks under test
    import ltc.activity.tasks  # noqa: F401
    import ltc.idempotency.tasks  # noqa: F401
    import ltc.integrations.tasks  # noqa: F401

    yield app
    app.conf.update(saved)
    reset_connections()


@pytest.fixture
def sqlite_real_param_limit():
    """Django 5.2 assumes SQLite's old 999-parameter limit and splits bulk inserts accordingly;
    use the limit of the SQLite actually running, as PostgreSQL's bulk inserts are one statement."""
    from django.db import connection as conn

    if conn.vendor != "sqlite":
        yield
        return
    import sqlite3

    conn.ensure_connection()
    limit = conn.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    saved = conn.features.max_query_params
    conn.features.max_query_params = limit
    yield
    conn.features.max_query_params = saved


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The demo users' passwords are hashed in every test; PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(items):
    """Mark every test that asks for a service, so a run on SQLite alone can deselect them
    (``-m "not postgres and not redis"``) while CI's PostgreSQL run takes them all."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "postgres" in names:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in names:
            item.add_marker(pytest.mark.redis)


@pytest.fixture(autouse=True)
def _marked_services(request):
    """A test marked ``postgres`` or ``redis`` needs that service whether or not it asks for the
    fixture: it skips locally (fails in CI) without it, never errors on SQLite."""
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("postgres")
    if request.node.get_closest_marker("redis"):
        request.getfixturevalue("redis_url")


@pytest.fixture(autouse=True)
def _shipped_configuration(request):
    """Transactional tests flush the database, data migrations included; put back what LTC ships
    (the default sales processes and grading policy) so every test starts from the same place."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from opportunities import defaults
    from opportunities.models import GradingPolicy, Process, Stage, StageRequirement

    defaults.install(Process, Stage, StageRequirement, GradingPolicy)
