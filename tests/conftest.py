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
        self.admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
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


ROLES = ["admin", "manager", "marketing", "rep1", "rep2", "rep3", "solution", "delivery", "finance", "integration"]


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
