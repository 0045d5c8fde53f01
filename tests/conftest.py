"""Shared fixtures: an organisation like the demo one, API clients per role, service checks.

Tests that need PostgreSQL or Redis use the ``postgres`` / ``redis_url`` fixtures (or the
markers of the same names): they skip with a reason when the service is not configured, unless
the service is in ``LTC_REQUIRED_SERVICES`` (comma-separated: postgres, redis, chromium), where
its absence fails the test. CI (CI=true) requires all three by default; its first pass, on
SQLite, declares ``LTC_REQUIRED_SERVICES=chromium`` (README, "How CI runs").

A test that runs SQL of PostgreSQL's own (its catalogue, pg_* functions, advisory locks, SKIP
LOCKED…) must carry the ``postgres`` marker: on PostgreSQL an unmarked one fails (see
``_postgres_features_need_the_marker``), so a missing marker is found before SQLite errors on it.
"""

import io
import os
import re
import sys
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from ltc.org.models import Role

from .factories import PoolFactory, TeamFactory, UserFactory
from .profiles import IN_CI, PROFILE

# Hypothesis's profiles, named like the suite's (tests/profiles.py): ``full`` is Hypothesis's own
# defaults (CI), ``fast`` (`make test`) runs fewer examples of the tests that set none of their
# own; those that do take theirs from ``profiles.examples``.
hypothesis_settings.register_profile("full", hypothesis_settings.get_profile("default"))
hypothesis_settings.register_profile(
    "fast", hypothesis_settings.get_profile("default"), max_examples=25
)
hypothesis_settings.load_profile(PROFILE)
REQUIRED_SERVICES = {
    name.strip()
    for name in os.environ.get(
        "LTC_REQUIRED_SERVICES", "postgres,redis,chromium" if IN_CI else ""
    ).split(",")
    if name.strip()
}


def missing_service(service: str, reason: str):
    """Skip, or fail when this run requires the service (LTC_REQUIRED_SERVICES)."""
    if service in REQUIRED_SERVICES:
        pytest.fail(f"this run requires {service} (LTC_REQUIRED_SERVICES): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _sqlite_template(request, django_db_modify_db_settings):
    """The migrated SQLite test database's template (tests/db_template.py), or None."""
    from . import db_template

    if not db_template.enabled(request.config):
        return None
    return db_template.Template()


@pytest.fixture(scope="session")
def django_db_keepdb(request, _sqlite_template):
    """pytest-django's: keep (do not migrate) a test database copied from the template."""
    if _sqlite_template is not None:
        return _sqlite_template.use()
    return request.config.getvalue("reuse_db")


@pytest.fixture(scope="session")
def django_db_setup(_sqlite_template, django_db_keepdb, django_db_setup):
    """pytest-django's, then the freshly migrated database saved as the template."""
    if _sqlite_template is not None:
        try:
            if not django_db_keepdb:
                _sqlite_template.save()
        finally:
            _sqlite_template.release()
    yield


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        missing_service("postgres", "needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing_service("redis", "needs Redis: set REDIS_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        missing_service("redis", f"Redis at {url} does not answer: {exc}")
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

    def reloaded(self) -> "Org":
        """The same organisation with every row read again: for a test that shares rows built
        once (``module_org``) but must not share the Python objects, whose caches (the team tree
        on a user, related objects) a previous test may have filled from rows it rolled back."""
        from leads.models import Pool
        from ltc.org.models import Team, User

        copy = object.__new__(Org)
        for model in (Team, User, Pool):
            attrs = {k: v for k, v in vars(self).items() if isinstance(v, model)}
            fresh = model.objects.in_bulk([v.pk for v in attrs.values()])
            for name, value in attrs.items():
                setattr(copy, name, fresh[value.pk])
        return copy


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


class SharedOrg:
    """The organisation of a module's tests, built once for the module instead of once per test.

    Most tests start from ``org`` (eleven users, three teams, three pools): building it for each
    of some 3,000 tests was a large share of the suite's time. For the non-transactional tests of
    a module, the first one opens a transaction, builds the organisation in it, and every test
    then runs in a savepoint of its own inside it (rolled back after it, as before) and gets the
    organisation's rows read afresh (``Org.reloaded``). The transaction is rolled back when the
    run moves to another module, before a transactional test (whose flush and threads need a
    database without an open transaction) or a test without ``org``, and at the end."""

    module = None
    atomic = None
    org = None

    @classmethod
    def close(cls, blocker) -> None:
        if cls.atomic is not None:
            from django.db import transaction

            with blocker.unblock():
                transaction.set_rollback(True)
                cls.atomic.__exit__(None, None, None)
        cls.module = cls.atomic = cls.org = None

    @classmethod
    def open(cls, module, blocker) -> None:
        from django.db import transaction

        with blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            cls.module, cls.atomic = module, atomic
            cls.org = Org()


TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        if marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"):
            return True
        if marker.args and marker.args[0]:
            return True
    return bool(TRANSACTIONAL_FIXTURES & set(request.fixturenames))


@pytest.fixture(scope="session")
def _shared_org_closer(django_db_setup, django_db_blocker):
    """Rolls the shared organisation's transaction back before the test database goes away."""
    yield
    SharedOrg.close(django_db_blocker)


@pytest.fixture(scope="module", autouse=True)
def _shared_org_ends_with_its_module(django_db_blocker):
    """A module's shared organisation ends with the module, before the next module's fixtures
    (a ``module_db`` transaction must not open inside it)."""
    yield
    SharedOrg.close(django_db_blocker)


@pytest.fixture
def _shared_org(request, _shared_org_closer, django_db_blocker):
    """Opens or closes ``SharedOrg`` for this test, before the test's own transaction."""
    wants = (
        "org" in request.fixturenames
        and "module_db" not in request.fixturenames  # a module that builds its own rows
        and not _is_transactional(request)
    )
    if SharedOrg.atomic is not None and (not wants or SharedOrg.module is not request.module):
        SharedOrg.close(django_db_blocker)
    if wants and SharedOrg.atomic is None:
        SharedOrg.open(request.module, django_db_blocker)


@pytest.fixture
def _django_db_helper(_shared_org, _django_db_helper):
    """pytest-django's, after ``_shared_org``: every test's database access (the ``db``
    fixture, the ``django_db`` marker) goes through it, so the shared transaction is open (or
    closed) before the test's own transaction or flush begins."""
    return _django_db_helper


@pytest.fixture
def org(request, db):
    if SharedOrg.atomic is not None and SharedOrg.module is request.module:
        return SharedOrg.org.reloaded()
    return Org()


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around a whole test module, for rows that a module-scoped fixture builds
    once (Django's ``setUpTestData``): every test of the module still runs in a savepoint of its
    own that is rolled back after it, and the module's transaction is rolled back after its last
    test. A fixture that builds rows takes ``module_db`` and works inside
    ``django_db_blocker.unblock()``. Not for modules with transactional tests, whose flush
    would empty the tables under the open transaction."""
    from django.db import transaction

    SharedOrg.close(django_db_blocker)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo(module_db):
    """The demo seed (``seed_demo``), run once for the module's tests instead of once per test:
    each test reads it in a savepoint of its own (``module_db``), rolled back after it."""
    from django.core.management import call_command

    with module_db.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def api(org):
    """``api("rep1")`` → an APIClient authenticated as that demo user (by token). The user's
    token is reused while it is usable (issuing another would revoke it), then replaced."""
    from ltc.security.models import UserToken
    from ltc.security.tokens import issue_user_token

    keys: dict[str, tuple[int, str]] = {}

    def make(name: str) -> APIClient:
        held = keys.get(name)
        if held is None or not UserToken.objects.active().filter(pk=held[0]).exists():
            token, key = issue_user_token(user=org.user(name), name="tests")
            keys[name] = held = (token.pk, key)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {held[1]}")
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


# How long the embedded worker's loop waits for a message before it looks again whether it should
# stop: Celery's blocking loop waits 2 s (celery/worker/loops.py), and a test worker's shutdown
# took two of those waits, 4 s of idle teardown for each test that runs a worker.
TEST_WORKER_WAIT = 0.1


@pytest.fixture
def _short_worker_waits(monkeypatch):
    from kombu.transport.virtual import base

    drain = base.Transport.drain_events

    def drain_events(self, connection, timeout=None):
        return drain(self, connection, timeout=min(timeout or TEST_WORKER_WAIT, TEST_WORKER_WAIT))

    monkeypatch.setattr(base.Transport, "drain_events", drain_events)


@pytest.fixture
def celery_app(celery_config, _short_worker_waits):
    """The project's own Celery app (``ltc.celery.app``) pointed at the test broker, its worker
    looking for messages (and for the order to stop) every ``TEST_WORKER_WAIT`` seconds."""
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


def pytest_sessionstart(session):
    from django.conf import settings

    for report in (settings.VAR_DIR / "route-walk").glob("part-*.json"):
        report.unlink()  # the route walk's figures are those of this run only


def pytest_terminal_summary(terminalreporter):
    """The route walk (tests/security/test_route_walk.py) says how many requests it tried."""
    import json

    from django.conf import settings

    parts = [json.loads(p.read_text()) for p in (settings.VAR_DIR / "route-walk").glob("*.json")]
    if parts:
        terminalreporter.write_line(
            "route walk: {} routes, {} requests, {} answered 5xx".format(
                *(sum(part[key] for part in parts) for key in ("routes", "requests", "failures"))
            )
        )


# The modules whose tests take seconds each (browsers, crawls, property tests, fresh Python
# processes). They run first: xdist hands out the rest, short tests, as workers free up, so the
# run does not end with one worker alone on a long test while the other has nothing left to do.
HEAVY_FIRST = (
    "tests/browser/",
    "tests/reliability/",
    "tests/security/test_route_walk.py",
    "tests/security/test_csrf.py",
    "tests/test_demo.py",
    "tests/ui/test_navigation.py",
    "tests/dashboards/test_drilldown_adds_up.py",
    "tests/api/test_fuzz.py",
    "tests/bench/",
    "tests/opportunities/test_track_state_machine.py",
    "tests/ops/",
    "tests/test_deploy.py",
    "tests/test_translations.py",
    "tests/architecture/",
)


def _heavy_rank(item) -> int:
    path = Path(str(item.fspath)).resolve().relative_to(Path(TESTS_DIR).parent).as_posix()
    for rank, prefix in enumerate(HEAVY_FIRST):
        if path.startswith(prefix):
            return rank
    return len(HEAVY_FIRST)


@pytest.hookimpl(
    tryfirst=True
)  # before pytest-django's, which then groups the tests as Django does
def pytest_collection_modifyitems(items):
    """Mark every test that asks for a service, so a run on SQLite alone can deselect them
    (``-m "not postgres and not redis"``) while CI's PostgreSQL run takes them all; then put the
    heavy modules first (``HEAVY_FIRST``; a stable sort keeps each module's tests together).
    pytest-django's own sort runs after this one and keeps its order within its groups: the
    tests in a transaction first, then the transactional ones (whose flush empties the tables
    that data migrations filled), then those without a database."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "postgres" in names:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in names:
            item.add_marker(pytest.mark.redis)
    items.sort(key=_heavy_rank)


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


# SQL that only PostgreSQL runs: its catalogue and pg_* functions, advisory locks, row-lock
# options SQLite's path never emits, casts, LOCK TABLE, LISTEN/NOTIFY.
POSTGRES_ONLY_SQL = re.compile(
    r"\bpg_[a-z_]+|\bSKIP\s+LOCKED\b|\bNOWAIT\b|\bLOCK\s+TABLE\b|\bLISTEN\b|\bNOTIFY\b"
    r"|::[a-z]+|\bgenerate_series\b|\bILIKE\b|\bSET\s+(LOCAL\s+)?(statement_timeout|lock_timeout)\b",
    re.IGNORECASE,
)
TESTS_DIR = str(Path(__file__).resolve().parent)
_DJANGO_DB = str(Path(sys.modules["django"].__file__).resolve().parent / "db")
_CURSOR_LAYERS = (f"{_DJANGO_DB}/backends/", f"{_DJANGO_DB}/utils.py", __file__)


def _issued_by_a_test(frame) -> str | None:
    """The test file that wrote the statement itself (the caller of the cursor, past Django's
    cursor wrappers and psycopg), or None when the ORM or the application built it: the
    application's own PostgreSQL branches are its business, a test's raw SQL is the test's."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_CURSOR_LAYERS) or "/psycopg" in filename:
            frame = frame.f_back
            continue
        return filename if filename.startswith(TESTS_DIR) else None
    return None


@pytest.fixture(autouse=True)
def _postgres_features_need_the_marker(request):
    """On PostgreSQL, a test without the ``postgres`` marker that runs PostgreSQL-only SQL of its
    own (cursor.execute in the test or its helpers) fails: on SQLite it would error, and
    `make test` on a fresh clone must skip it instead. Opening a psycopg connection of its own
    counts too."""
    if request.node.get_closest_marker("postgres") or "db" not in _db_fixtures(request):
        yield
        return
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        yield
        return
    found: list[str] = []

    def check(execute, sql, params, many, context):
        if isinstance(sql, str) and POSTGRES_ONLY_SQL.search(sql):
            test_file = _issued_by_a_test(sys._getframe(1))
            if test_file:
                found.append(f"{sql[:120]!r} from {test_file}")
        return execute(sql, params, many, context)

    import psycopg

    real_connect = psycopg.connect

    def connect(*args, **kwargs):
        test_file = _issued_by_a_test(sys._getframe(1))
        if test_file:
            found.append(f"psycopg.connect from {test_file}")
        return real_connect(*args, **kwargs)

    psycopg.connect = connect
    wrappers = [conn.execute_wrapper(check) for conn in connections.all()]
    for wrapper in wrappers:
        wrapper.__enter__()
    try:
        yield
    finally:
        for wrapper in reversed(wrappers):
            wrapper.__exit__(None, None, None)
        psycopg.connect = real_connect
    if found:
        pytest.fail(
            "this test uses PostgreSQL-only features without @pytest.mark.postgres "
            f"(it would error on SQLite instead of skipping): {found[:3]}"
        )


def _db_fixtures(request) -> set[str]:
    names = set(getattr(request, "fixturenames", ()))
    marker = request.node.get_closest_marker("django_db")
    if marker is not None or names & {"db", "transactional_db", "django_db_setup"}:
        return {"db"}
    return set()


@pytest.fixture
def partner_org(org):
    """A partner organisation whose channel manager is ``manager``, with one partner user,
    ``partner`` (``api("partner")``, ``browser_as("partner")`` then work)."""
    from partners.models import Partner
    from partners.services import add_partner_user

    partner = Partner.objects.create(
        name="Acme Partner", channel_manager=org.manager, protection_days=90
    )
    org.partner = UserFactory(username="partner", role=Role.PARTNER)
    add_partner_user(partner=partner, user=org.partner)
    return partner
