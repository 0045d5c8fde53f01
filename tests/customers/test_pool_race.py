"""Many reps claim the same pooled customer at the same moment: exactly one wins."""

import pytest

from ltc.activity.models import TransitionLog
from ltc.core.errors import TransitionRefused
from ltc.customers import pool
from ltc.customers.models import Customer
from ltc.org.models import Role

from ..factories import CustomerPoolFactory, UserFactory, pooled_customer
from ..leads.test_claim_race import run_at_once

CLAIMERS = 6


def claim_with_many_reps(org):
    reps = [UserFactory(username=f"c-racer{i}", role=Role.REP, team=org.team1) for i in range(6)]
    customer = pooled_customer(CustomerPoolFactory(is_default=True))

    def claim(rep):
        return pool.claim_customer(customer=Customer.objects.get(pk=customer.pk), user=rep)

    results = run_at_once(claim, reps)

    wins = [r for r in results if isinstance(r, Customer)]
    refusals = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(wins) == 1 and len(refusals) == CLAIMERS - 1, results
    assert all([m.code for m in r.missing] == ["pool_state"] for r in refusals)
    customer.refresh_from_db()
    assert (customer.pool_state, customer.owner_id) == ("held", wins[0].owner_id)
    logs = TransitionLog.objects.filter(
        content_type__model="customer", object_id=customer.pk, transition="claim"
    )
    assert list(logs.values_list("actor_id", flat=True)) == [wins[0].owner_id]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_customer_claims_on_sqlite_have_exactly_one_winner(org):
    claim_with_many_reps(org)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_customer_claims_on_postgres_have_exactly_one_winner(postgres, org):
    claim_with_many_reps(org)
