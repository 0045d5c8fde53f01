"""The periodic sweeps: recovering overdue leads and warning owners before it happens."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from leads import services
from leads.models import Lead, LeadRecovery, LeadState
from ltc.activity.models import Notification, TransitionLog

from ..factories import LeadFactory, PoolFactory, held_lead

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def leads(org, frozen):
    """Two overdue leads (rep1 in team1, rep3 in team2) among leads that must stay put."""
    return {
        "overdue_rep1": held_lead(org.rep1, pool=org.region_pool, due_in=-timedelta(hours=1)),
        "overdue_rep3": held_lead(org.rep3, pool=org.team2_pool, due_in=-timedelta(days=3)),
        "validated_past_due": held_lead(org.rep1, state="validated", due_in=-timedelta(days=5)),
        "due_later": held_lead(org.rep1, due_in=timedelta(hours=1)),
        "new": LeadFactory(pool=org.region_pool),
    }


def test_recovery_returns_overdue_assigned_leads_and_only_those(org, leads):
    assert services.recover_overdue_leads() == 2

    states = {name: Lead.objects.get(pk=lead.pk) for name, lead in leads.items()}
    for name in ("overdue_rep1", "overdue_rep3"):
        lead = states[name]
        assert (lead.state, lead.owner, lead.follow_up_due_at, lead.assigned_at) == (
            LeadState.NEW,
            None,
            None,
            None,
        )
        assert lead.recovery_count == 1
    assert (states["validated_past_due"].state, states["validated_past_due"].owner) == (
        "validated",
        org.rep1,
    )
    assert (states["due_later"].state, states["due_later"].owner) == ("assigned", org.rep1)
    assert states["new"].state == "new"
    assert all(states[n].recovery_count == 0 for n in ("validated_past_due", "due_later", "new"))


def test_recovery_records_the_recovery_and_the_transition(org, leads):
    services.recover_overdue_leads()

    recoveries = LeadRecovery.objects.order_by("lead_id")
    assert [(r.lead_id, r.former_owner, r.kind) for r in recoveries] == [
        (leads["overdue_rep1"].pk, org.rep1, LeadRecovery.Kind.RECOVERED),
        (leads["overdue_rep3"].pk, org.rep3, LeadRecovery.Kind.RECOVERED),
    ]
    assert all(r.reason and r.at == NOW for r in recoveries)
    assert recoveries[0].due_at == leads["overdue_rep1"].follow_up_due_at
    logs = TransitionLog.objects.filter(transition="recover").order_by("object_id")
    assert [(t.object_id, t.source, t.target, t.actor, t.at) for t in logs] == [
        (leads["overdue_rep1"].pk, "assigned", "new", None, NOW),
        (leads["overdue_rep3"].pk, "assigned", "new", None, NOW),
    ]


def test_recovery_notifies_the_former_owner_and_their_manager(org, leads):
    services.recover_overdue_leads()

    sent = sorted(Notification.objects.values_list("recipient__username", "kind", "url"))
    rep1_url, rep3_url = (
        f"/leads/{leads['overdue_rep1'].pk}/",
        f"/leads/{leads['overdue_rep3'].pk}/",
    )
    # rep3's team and region have no leader: only rep3 hears of it.
    assert sent == sorted(
        [
            ("rep1", "lead_recovered", rep1_url),
            ("manager", "lead_recovered_team", rep1_url),
            ("rep3", "lead_recovered", rep3_url),
        ]
    )
    team_notice = Notification.objects.get(recipient=org.manager)
    assert team_notice.params["owner"] == "rep1"
    assert team_notice.params["title"] == leads["overdue_rep1"].title


def test_a_regional_leader_hears_of_recoveries_in_a_team_without_leader(org, leads):
    org.region.leader = org.admin
    org.region.save()

    services.recover_overdue_leads()

    assert set(
        Notification.objects.filter(kind="lead_recovered_team").values_list(
            "recipient__username", flat=True
        )
    ) == {"manager", "admin"}


def test_running_recovery_twice_recovers_nothing_the_second_time(org, leads):
    services.recover_overdue_leads()
    counts = (
        LeadRecovery.objects.count(),
        TransitionLog.objects.count(),
        Notification.objects.count(),
    )

    assert services.recover_overdue_leads() == 0

    assert (
        LeadRecovery.objects.count(),
        TransitionLog.objects.count(),
        Notification.objects.count(),
    ) == counts
    assert Lead.objects.get(pk=leads["overdue_rep1"].pk).recovery_count == 1


def test_a_lead_recovered_twice_counts_two_recoveries(org):
    pool = PoolFactory(first_follow_up_days=2)
    lead = LeadFactory(pool=pool)
    with time_machine.travel(NOW, tick=False):
        services.claim_lead(lead=lead, user=org.rep1)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        assert services.recover_overdue_leads() == 1
        services.claim_lead(lead=lead, user=org.rep2)
    with time_machine.travel(NOW + timedelta(days=6), tick=False):
        assert services.recover_overdue_leads() == 1

    lead.refresh_from_db()
    assert lead.recovery_count == 2
    assert list(
        lead.recoveries.order_by("at").values_list("former_owner__username", flat=True)
    ) == ["rep1", "rep2"]


def test_a_lead_due_exactly_now_is_not_yet_recovered(org, frozen):
    lead = held_lead(org.rep1, due_in=timedelta(0))
    assert services.recover_overdue_leads() == 0
    assert Lead.objects.get(pk=lead.pk).owner == org.rep1


def _overdue_leads(org, count: int) -> None:
    now = timezone.now()
    owners = [org.rep1, org.rep2, org.rep3]
    Lead.objects.bulk_create(
        Lead(
            title=f"Overdue {i}",
            company_name=f"Company {i}",
            source="website",
            pool=org.region_pool,
            owner=owners[i % 3],
            state=LeadState.ASSIGNED,
            assigned_at=now - timedelta(days=3),
            follow_up_due_at=now - timedelta(hours=1 + i % 5),
        )
        for i in range(count)
    )


# One batch: SELECT, UPDATE, 3 bulk INSERTs (recoveries, log, notifications), managers (tree +
# users), owners' names, then the final empty SELECT; 4 savepoint statements around the batches;
# the outbox: the recipients, their choices, the teams' group robots, the messages.
RECOVERY_QUERIES = 17


@pytest.mark.parametrize("count", [5, 300])
def test_recovery_runs_the_same_number_of_queries_whatever_the_number_of_leads(
    org, count, django_assert_max_num_queries, sqlite_real_param_limit
):
    _overdue_leads(org, count)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Lead)  # the content type cache is process-wide

    with django_assert_max_num_queries(RECOVERY_QUERIES):
        assert services.recover_overdue_leads() == count

    assert Lead.objects.filter(state="new", recovery_count=1).count() == count
    assert LeadRecovery.objects.count() == count

    # One digest per recipient (the batch took several leads from each): rep1, rep2, rep3, and
    # the manager of rep1 and rep2 (2 of every 3 leads).
    # One lead alone is named in a notice of its own.
    def heard(name, kind, n):
        return (name, f"{kind}_digest", n) if n > 1 else (name, kind, None)

    sent = Notification.objects.values_list("recipient__username", "kind", "params__count")
    assert sorted(sent) == [
        heard("manager", "lead_recovered_team", len([i for i in range(count) if i % 3 != 2])),
        heard("rep1", "lead_recovered", len(range(0, count, 3))),
        heard("rep2", "lead_recovered", len(range(1, count, 3))),
        heard("rep3", "lead_recovered", len(range(2, count, 3))),
    ]
    digest = Notification.objects.get(recipient=org.manager)
    assert digest.params["owners"] == "rep1, rep2"
    assert digest.params["titles"].startswith("Overdue 0, Overdue 1, Overdue 3")
    assert digest.params["titles"].endswith(", …") == (digest.params["count"] > 5)
    # The digest's text names how many, whose and which (in whichever language is active).
    assert all(
        str(part) in digest.text for part in (digest.params["count"], "rep1, rep2", "Overdue 0")
    )


# Warnings ------------------------------------------------------------------------------------
def test_owner_is_warned_once_per_deadline(org, frozen):
    pool = PoolFactory(warning_hours=24, follow_up_interval_days=7)
    soon = held_lead(org.rep1, pool=pool, due_in=timedelta(hours=12))
    held_lead(org.rep1, pool=pool, due_in=timedelta(hours=30))  # outside the window
    held_lead(org.rep1, pool=pool, due_in=-timedelta(hours=1))  # already overdue: recovery's job
    held_lead(org.rep1, pool=pool, state="validated", due_in=timedelta(hours=2))

    assert services.warn_leads_due_soon() == 1
    warning = Notification.objects.get(kind="lead_due_soon")
    assert (warning.recipient, warning.url) == (org.rep1, f"/leads/{soon.pk}/")
    assert Lead.objects.get(pk=soon.pk).warned_at == NOW

    assert services.warn_leads_due_soon() == 0
    assert Notification.objects.filter(kind="lead_due_soon").count() == 1

    services.log_follow_up(lead=soon, user=org.rep1, kind="call", note="Still interested")
    assert Lead.objects.get(pk=soon.pk).warned_at is None
    frozen.move_to(NOW + timedelta(days=6, hours=12))  # the new deadline is 12 hours away
    assert services.warn_leads_due_soon() >= 1
    assert Notification.objects.filter(kind="lead_due_soon", url=f"/leads/{soon.pk}/").count() == 2


def test_each_pool_warns_within_its_own_window(org, frozen):
    short, long = PoolFactory(warning_hours=2), PoolFactory(warning_hours=48)
    held_lead(org.rep1, pool=short, due_in=timedelta(hours=5))
    in_long = held_lead(org.rep1, pool=long, due_in=timedelta(hours=5))

    assert services.warn_leads_due_soon() == 1
    assert Notification.objects.get(kind="lead_due_soon").url == f"/leads/{in_long.pk}/"


def test_small_batches_over_one_shared_deadline_move_every_lead_once(org, frozen):
    """The batches resume where the previous one stopped (deadline, then id): leads sharing one
    deadline, more than a batch of them, are each recovered once, with one notice each."""
    due = -timedelta(hours=2)
    overdue = [held_lead(org.rep1, pool=org.region_pool, due_in=due).pk for _ in range(17)]
    Lead.objects.filter(pk__in=overdue).update(follow_up_due_at=NOW - timedelta(hours=2))

    assert services.recover_overdue_leads(batch_size=5) == 17
    assert services.recover_overdue_leads(batch_size=5) == 0
    assert set(Lead.objects.filter(pk__in=overdue).values_list("state", "recovery_count")) == {
        ("new", 1)
    }
    assert LeadRecovery.objects.filter(lead__in=overdue).count() == 17
    # One digest per batch of five and the lone two: 5 + 5 + 5 + 2.
    digests = Notification.objects.filter(kind="lead_recovered_digest", recipient=org.rep1)
    assert sorted(n.params["count"] for n in digests) == [2, 5, 5, 5]
    assert not Notification.objects.filter(kind="lead_recovered", recipient=org.rep1).exists()


def test_a_batch_is_sized_to_hold_its_locks_about_half_a_second():
    from leads.sweeps_pg import MIN_BATCH, next_batch_size

    assert next_batch_size(1000, 0.25, largest=10_000) == 2000  # at most doubles
    assert next_batch_size(4000, 1.0, largest=10_000) == 2000  # at most halves
    assert next_batch_size(4000, 0.8, largest=10_000) == 2500  # aims at 0.5 s
    assert next_batch_size(8000, 0.1, largest=10_000) == 10_000  # never past the largest
    assert next_batch_size(150, 30.0, largest=10_000) == MIN_BATCH
    assert next_batch_size(5, 30.0, largest=5) == 5  # a batch size asked for is kept
