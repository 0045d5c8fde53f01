"""DATABASE_REPLICA_URL: the dashboards and their exports read from the replica (here a second
alias on the same database), everything else and every write from the primary; without a
replica everything reads from the primary."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from ltc.ops.routers import REPLICA, ReplicaRouter, replica_reads


@pytest.fixture(scope="module")
def replica_alias():
    """A second alias on the test database, set up before the test's database access is (the
    tests name it in ``databases``); committed rows, so the tests are transactional."""
    from django.conf import settings

    conf = {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
    connections.settings[REPLICA] = conf
    settings.DATABASES[REPLICA] = conf
    yield
    connection = connections[REPLICA]
    connection.close()
    if getattr(connection, "pool", None) is not None:
        connection.close_pool()
    del connections[REPLICA]
    connections.settings.pop(REPLICA, None)
    settings.DATABASES.pop(REPLICA, None)


@pytest.fixture
def replica(replica_alias):
    return connections[REPLICA]


BOTH = ["default", REPLICA]


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_dashboards_read_from_the_replica(replica, org, browser_as):
    client = browser_as("manager")
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get("/dashboards/")
        api = client.get("/api/v1/dashboard/funnel/")
    assert page.status_code == 200 and api.status_code == 200, api.content
    assert any("opportunities_" in q["sql"] for q in on_replica.captured_queries)
    # The session and the user's login state stay on the primary.
    assert not any("opportunities_" in q["sql"] for q in on_primary.captured_queries), [
        q["sql"][:200] for q in on_primary.captured_queries if "opportunities_" in q["sql"]
    ]
    assert any("django_session" in q["sql"] for q in on_primary.captured_queries)
    assert not any("django_session" in q["sql"] for q in on_replica.captured_queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_other_pages_and_every_write_use_the_primary(replica, org, browser_as):
    client = browser_as("rep1")
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get("/leads/mine/").status_code == 200
        client.post("/dashboards/targets/", {})  # a write view of the dashboards app
    assert on_replica.captured_queries == []


def test_the_router_never_writes_nor_migrates_the_replica(replica_alias):
    from leads.models import Lead

    router = ReplicaRouter()
    token = replica_reads.set(True)
    try:
        assert router.db_for_read(Lead) == REPLICA
        assert router.db_for_write(Lead) == "default"
        from django.contrib.sessions.models import Session

        assert router.db_for_read(Session) is None  # the primary
    finally:
        replica_reads.reset(token)
    assert router.db_for_read(Lead) is None
    assert router.allow_migrate(REPLICA, "leads") is False
    assert router.allow_migrate("default", "leads") is True


def test_without_a_replica_the_dashboards_read_from_the_primary(settings):
    from leads.models import Lead

    settings.DATABASES = {"default": settings.DATABASES["default"]}
    token = replica_reads.set(True)
    try:
        assert ReplicaRouter().db_for_read(Lead) is None
    finally:
        replica_reads.reset(token)
