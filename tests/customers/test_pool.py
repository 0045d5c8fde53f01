"""The customer pool (客户公海) at the service level: claiming within limits, assigning,
releasing, the clock an owner's activity restarts, and the set-based, idempotent sweeps."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ltc.activity.models import Notification, TransitionLog
from ltc.activity.services import record_activity
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from ltc.customers import pool, pool_sweeps, services
from ltc.customers.models import Customer, CustomerRecovery, PoolState

from ..factories import CustomerPoolFactory, held_customer, opportunity, pooled_customer

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cpools(org):
    return {
        "default": CustomerPoolFactory(name="Company customers", is_default=True),
        "region": CustomerPoolFactory(
            name="East customers", team=org.region, idle_days=30, max_held=3
        ),
        "team2": CustomerPoolFactory(name="Team 2 customers", team=org.team2),
    }


def codes(exc) -> list[str]:
    return [m.code for m in exc.value.missing]


def test_a_claim_takes_the_customer_and_starts_its_clock(org, cpools, frozen):
    customer = pooled_customer(cpools["region"])

    claimed = pool.claim_customer(customer=customer, user=org.rep1)

    assert (claimed.pool_state, claimed.owner, claimed.team) == ("held", org.rep1, org.team1)
    assert claimed.pool_due_at == NOW + timedelta(days=30)
    log = TransitionLog.objects.get(object_id=customer.pk, content_type__model="customer")
    assert (log.transition, log.source, log.target, log.actor) == (
        "claim",
        "pooled",
        "held",
        org.rep1,
    )


def test_second_claim_of_the_same_customer_is_refused(org, cpools):
    customer = pooled_customer(cpools["region"])
    pool.claim_customer(customer=customer, user=org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        pool.claim_customer(customer=customer, user=org.rep2)
    assert codes(refused) == ["pool_state"]
    assert Customer.objects.get(pk=customer.pk).owner == org.rep1


def test_a_claim_over_every_limit_names_each_one(org, cpools, frozen):
    region = cpools["region"]
    for _ in range(region.max_held):
        held_customer(org.rep1, region)
    customer = held_customer(org.rep1, region, due_in=-timedelta(hours=1))
    pool_sweeps.recover_idle_customers()  # taken back from rep1: cooling off starts

    with pytest.raises(TransitionRefused) as refused:
        pool.claim_customer(customer=customer, user=org.rep1)

    assert codes(refused) == ["max_held", "reclaim_cooldown"]
    assert "3" in str(refused.value.missing[0].label)


def test_the_cooling_off_ends_after_the_pools_days(org, cpools, frozen):
    customer = held_customer(org.rep1, cpools["region"], due_in=-timedelta(hours=1))
    pool_sweeps.recover_idle_customers()
    with pytest.raises(TransitionRefused):
        pool.claim_customer(customer=customer, user=org.rep1)
    pool.claim_customer(customer=customer, user=org.rep2)  # another rep may take it at once
    pool.release_customer(customer=customer, user=org.rep2, reason="Not mine")

    frozen.shift(timedelta(days=cpools["region"].reclaim_cooldown_days, minutes=1))
    assert pool.claim_customer(customer=customer, user=org.rep1).owner == org.rep1


def test_only_reps_and_managers_claim(org, cpools):
    customer = pooled_customer(cpools["default"])
    for role in ("admin", "marketing", "finance", "solution"):
        with pytest.raises(NotAllowed):
            pool.claim_customer(customer=customer, user=org.user(role))


def test_a_manager_assigns_within_their_teams_only(org, cpools):
    customer = pooled_customer(cpools["region"])
    with pytest.raises(InvalidInput) as invalid:
        pool.assign_customer(customer=customer, owner=org.rep3, by=org.manager)
    assert invalid.value.field == "owner"
    with pytest.raises(NotAllowed):
        pool.assign_customer(customer=customer, owner=org.rep2, by=org.rep1)

    assigned = pool.assign_customer(customer=customer, owner=org.rep2, by=org.manager)

    assert (assigned.pool_state, assigned.owner) == ("held", org.rep2)
    assert Notification.objects.filter(recipient=org.rep2, kind="customer_assigned").exists()


def test_a_release_needs_a_reason_and_is_refused_while_a_deal_is_open(org, cpools):
    customer = held_customer(org.rep1, cpools["region"])
    with pytest.raises(InvalidInput):
        pool.release_customer(customer=customer, user=org.rep1, reason=" ")
    deal = opportunity(org.rep1, customer=customer)
    with pytest.raises(TransitionRefused) as refused:
        pool.release_customer(customer=customer, user=org.rep1, reason="Too small")
    assert codes(refused) == ["open_deal"]

    deal.__class__.objects.filter(pk=deal.pk).update(state="lost")
    released = pool.release_customer(customer=customer, user=org.rep1, reason="Too small")

    assert (released.pool_state, released.owner) == ("pooled", None)
    recovery = CustomerRecovery.objects.get(customer=customer)
    assert (recovery.kind, recovery.former_owner, recovery.reason) == (
        "released",
        org.rep1,
        "Too small",
    )


def test_only_the_owner_or_their_manager_releases(org, cpools):
    customer = held_customer(org.rep1, cpools["region"])
    for role in ("rep2", "rep3", "marketing"):
        with pytest.raises(NotAllowed):
            pool.release_customer(customer=customer, user=org.user(role), reason="x")
    assert pool.release_customer(customer=customer, user=org.manager, reason="x").is_pooled


# The clock -----------------------------------------------------------------------------------
def test_an_activity_by_the_owner_restarts_the_clock(org, cpools, frozen):
    customer = held_customer(org.rep1, cpools["region"], due_in=timedelta(days=1))
    frozen.shift(timedelta(hours=2))
    pool.log_customer_activity(customer=customer, user=org.rep1, kind="visit", note="Plant tour")

    customer.refresh_from_db()
    now = NOW + timedelta(hours=2)
    assert (customer.last_touched_at, customer.pool_due_at) == (now, now + timedelta(days=30))


def test_an_activity_on_one_of_its_deals_touches_the_customer(org, cpools, frozen):
    customer = held_customer(org.rep1, cpools["region"], due_in=timedelta(days=1))
    deal = opportunity(org.rep1, customer=customer)
    record_activity(obj=deal, kind="call", note="Called the buyer", actor=org.rep1)

    customer.refresh_from_db()
    assert customer.pool_due_at == NOW + timedelta(days=30)


def test_an_activity_by_someone_else_leaves_the_clock(org, cpools, frozen):
    customer = held_customer(org.rep1, cpools["region"], due_in=timedelta(days=1))
    record_activity(obj=customer, kind="call", note="Manager's call", actor=org.manager)

    customer.refresh_from_db()
    assert customer.pool_due_at == NOW + timedelta(days=1)


def test_a_new_customer_falls_under_its_owners_pool(org, cpools, frozen):
    customer = services.create_customer(by=org.rep3, name="新客户有限公司")
    assert (customer.pool, customer.pool_due_at) == (cpools["team2"], NOW + timedelta(days=30))
    outside = services.create_customer(by=org.marketing, name="Marketing's find")
    assert outside.pool is None


# The sweeps ----------------------------------------------------------------------------------
@pytest.fixture
def customers(org, cpools, frozen):
    region = cpools["region"]
    with_deal = held_customer(org.rep1, region, due_in=-timedelta(days=2))
    opportunity(org.rep1, customer=with_deal)
    return {
        "idle_rep1": held_customer(org.rep1, region, due_in=-timedelta(hours=1)),
        "idle_rep3": held_customer(org.rep3, cpools["team2"], due_in=-timedelta(days=3)),
        "with_deal": with_deal,
        "due_later": held_customer(org.rep1, region, due_in=timedelta(days=2)),
        "no_pool": Customer.objects.create(name="Unruled", owner=org.rep1),
    }


def test_recovery_returns_idle_customers_without_a_deal_and_only_those(org, customers):
    assert pool_sweeps.recover_idle_customers() == 2

    now = {name: Customer.objects.get(pk=c.pk) for name, c in customers.items()}
    for name in ("idle_rep1", "idle_rep3"):
        assert (now[name].pool_state, now[name].owner, now[name].recovery_count) == (
            PoolState.POOLED,
            None,
            1,
        )
    for name in ("with_deal", "due_later", "no_pool"):
        assert (now[name].pool_state, now[name].owner) == ("held", org.rep1)


def test_recovery_records_events_logs_and_notices_and_runs_once(org, customers):
    pool_sweeps.recover_idle_customers()

    recoveries = CustomerRecovery.objects.order_by("former_owner__username")
    assert [(r.former_owner, r.kind) for r in recoveries] == [
        (org.rep1, "recovered"),
        (org.rep3, "recovered"),
    ]
    assert (
        TransitionLog.objects.filter(content_type__model="customer", transition="recover").count()
        == 2
    )
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert {("rep1", "customer_recovered"), ("manager", "customer_recovered_team")} <= kinds

    assert pool_sweeps.recover_idle_customers() == 0
    assert CustomerRecovery.objects.count() == 2


def test_recovery_in_small_batches_moves_every_idle_customer(org, customers):
    assert pool_sweeps.recover_idle_customers(batch_size=1) == 2


def test_claiming_a_recovered_customer_counts_as_reclaimed(org, customers):
    pool_sweeps.recover_idle_customers()
    pool.claim_customer(customer=customers["idle_rep1"], user=org.rep2)

    recovery = CustomerRecovery.objects.get(customer=customers["idle_rep1"])
    assert (recovery.reclaimed_by, recovery.reclaimed_at) == (org.rep2, NOW)


def test_owners_get_one_warning_listing_their_customers_due_soon(org, cpools, frozen):
    region = cpools["region"]
    soon = [held_customer(org.rep1, region, due_in=timedelta(days=d)) for d in (1, 2)]
    held_customer(org.rep1, region, due_in=timedelta(days=10))  # outside the window
    held_customer(org.rep3, cpools["team2"], due_in=timedelta(hours=5))

    assert pool_sweeps.warn_customers_due_soon() == 3
    notices = Notification.objects.filter(kind="customer_due_soon")
    assert sorted(notices.values_list("recipient__username", flat=True)) == ["rep1", "rep3"]
    rep1 = notices.get(recipient=org.rep1)
    assert rep1.params["count"] == 2 and soon[0].name in rep1.params["names"]

    assert pool_sweeps.warn_customers_due_soon() == 0


def test_claim_blockers_explain_a_disabled_claim_for_a_whole_page(
    org, cpools, frozen, django_assert_max_num_queries
):
    page = [pooled_customer(cpools["region"]) for _ in range(5)]
    with django_assert_max_num_queries(2):
        blockers = pool.claim_blockers(org.rep1, page, NOW)
    assert all(b == [] for b in blockers.values())
    assert [m.code for m in pool.claim_blockers(org.finance, page, NOW)[page[0].pk]] == ["role"]
