"""Many reps claim the same lead at the same moment: exactly one wins, the others are refused."""

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from leads import services
from leads.models import Lead
from ltc.activity.models import TransitionLog
from ltc.core.errors import TransitionRefused
from ltc.org.models import Role
from ltc.security.tokens import issue_user_token

from ..factories import LeadFactory, UserFactory

CLAIMERS = 8


@pytest.fixture
def racing_reps(org):
    return [
        UserFactory(username=f"racer{i}", role=Role.REP, team=org.team1) for i in range(CLAIMERS)
    ]


def run_at_once(work, arguments) -> list:
    """Run ``work(argument)`` in one thread per argument, released together by a barrier. Each
    thread uses its own database connection and closes it at the end."""
    barrier = threading.Barrier(len(arguments))
    results: list = [None] * len(arguments)

    def run(index, argument):
        try:
            barrier.wait(timeout=10)
            results[index] = work(argument)
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def assert_one_owner_and_one_claim(lead, winner_ids):
    lead.refresh_from_db()
    assert lead.state == "assigned"
    assert [lead.owner_id] == winner_ids
    logs = TransitionLog.objects.filter(
        content_type__model="lead", object_id=lead.pk, transition="claim"
    )
    assert list(logs.values_list("actor_id", flat=True)) == winner_ids


def claim_with_many_reps(racing_reps):
    lead = LeadFactory(pool=racing_reps[0].team.parent.pool)

    def claim(rep):
        return services.claim_lead(lead=Lead.objects.get(pk=lead.pk), user=rep)

    results = run_at_once(claim, racing_reps)

    wins = [r for r in results if isinstance(r, Lead)]
    refusals = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(wins) == 1, results
    assert len(refusals) == CLAIMERS - 1, results
    assert all([m.code for m in r.missing] == ["state"] for r in refusals)
    assert_one_owner_and_one_claim(lead, [wins[0].owner_id])


@pytest.mark.django_db(transaction=True)
def test_simultaneous_claims_on_sqlite_have_exactly_one_winner(racing_reps):
    claim_with_many_reps(racing_reps)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_claims_on_postgres_have_exactly_one_winner(postgres, racing_reps):
    claim_with_many_reps(racing_reps)


def claim_through_the_api(racing_reps):
    lead = LeadFactory(pool=racing_reps[0].team.parent.pool)
    tokens = {rep.pk: issue_user_token(user=rep)[1] for rep in racing_reps}

    def claim(rep):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[rep.pk]}")
        response = client.post(f"/api/v1/leads/{lead.pk}/claim/")
        return rep.pk, response.status_code, response.json()

    results = run_at_once(claim, racing_reps)

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(status for _rep, status, _body in results)
    assert statuses == [200] + [409] * (CLAIMERS - 1)
    ((winner, _status, body),) = [r for r in results if r[1] == 200]
    assert (body["owner"], body["state"]) == (winner, "assigned")
    for _rep, status, body in results:
        if status == 409:
            assert body["detail"] and [m["code"] for m in body["missing"]] == ["state"]
    assert_one_owner_and_one_claim(lead, [winner])


@pytest.mark.django_db(transaction=True)
def test_simultaneous_api_claims_on_sqlite_answer_one_200_and_the_rest_409(racing_reps):
    claim_through_the_api(racing_reps)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_api_claims_on_postgres_answer_one_200_and_the_rest_409(postgres, racing_reps):
    claim_through_the_api(racing_reps)
