"""The visit cadence sweep: AR and manager hear of every open deal whose account went unvisited."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from celery.signals import task_postrun
from django.utils import timezone

import opportunities.tasks  # noqa: F401 - registers the task before the embedded worker starts
from ltc.activity.models import Activity, Notification
from opportunities import services
from opportunities.models import Opportunity

from ..factories import opportunity
from .steps import A_AMOUNT, STAGE_CODES, STAGES, fresh, meet

START = timezone.make_aware(datetime(2030, 5, 6, 9, 0))
OWNERS = ["rep1", "rep2", "rep3", "manager"]


def sweep(at) -> int:
    with time_machine.travel(at, tick=False):
        return services.notify_missed_cadence()


def deal_in(org, stage_code, owner="rep1", **fields):
    with time_machine.travel(START, tick=False):
        return opportunity(
            org.user(owner), amount=Decimal(A_AMOUNT), stage_code=stage_code, **fields
        )


def cadence_notices():
    return Notification.objects.filter(kind__startswith="opportunity_cadence")


def notified(kind="opportunity_cadence"):
    """(recipient, deal id) of the cadence notices sent so far."""
    return sorted(
        (username, int(url.strip("/").split("/")[-1]))
        for username, url in Notification.objects.filter(kind=kind).values_list(
            "recipient__username", "url"
        )
    )


def test_the_default_cadences_are_30_14_and_7_days_by_stage():
    assert [STAGES[code]["cadence"] for code in STAGE_CODES] == [30, 30, 14, 14, 7, 7, 7]


@pytest.mark.parametrize("stage_code", STAGE_CODES)
def test_a_deal_is_late_only_after_its_stages_cadence(org, stage_code):
    deal = deal_in(org, stage_code)
    cadence = timedelta(days=STAGES[stage_code]["cadence"])

    assert sweep(START + cadence) == 0  # exactly at the cadence is still on time
    assert not cadence_notices().exists()

    assert sweep(START + cadence + timedelta(minutes=1)) == 1
    assert notified() == [("rep1", deal.pk)]
    assert notified("opportunity_cadence_team") == [("manager", deal.pk)]
    assert fresh(deal).cadence_warned_at == START + cadence + timedelta(minutes=1)


def test_the_sweep_notifies_exactly_the_deals_past_their_stages_cadence(org):
    verify = deal_in(org, "verify")  # 30 days
    analysis = deal_in(org, "needs_analysis")  # 14 days
    bidding = deal_in(org, "bidding")  # 7 days
    recent = deal_in(org, "bidding")
    Opportunity.objects.filter(pk=recent.pk).update(last_visit_at=START + timedelta(days=10))

    assert sweep(START + timedelta(days=15)) == 2

    assert notified() == sorted([("rep1", analysis.pk), ("rep1", bidding.pk)])
    assert fresh(verify).cadence_warned_at is None
    assert fresh(recent).cadence_warned_at is None


def test_a_rep_without_a_manager_is_the_only_one_told(org):
    deal = deal_in(org, "bidding", owner="rep3")

    sweep(START + timedelta(days=8))

    assert list(cadence_notices().values_list("recipient__username", "kind", "url")) == [
        ("rep3", "opportunity_cadence", f"/opportunities/{deal.pk}/")
    ]


def test_a_second_run_notifies_nothing_more(org):
    deal_in(org, "bidding")
    deal_in(org, "bidding", owner="rep3")
    assert sweep(START + timedelta(days=8)) == 2
    sent = cadence_notices().count()

    assert sweep(START + timedelta(days=9)) == 0
    assert sweep(START + timedelta(days=40)) == 0
    assert cadence_notices().count() == sent == 3


def test_a_visit_clears_the_lateness_and_a_later_lateness_notifies_again(org):
    deal = deal_in(org, "bidding")
    sweep(START + timedelta(days=8))
    visited_at = START + timedelta(days=9)

    with time_machine.travel(visited_at, tick=False):
        services.log_activity(opportunity=deal, user=org.rep1, kind="visit", note="Met the CIO")

    stored = fresh(deal)
    assert (stored.last_visit_at, stored.cadence_warned_at) == (visited_at, None)
    assert sweep(visited_at + timedelta(days=7)) == 0
    assert sweep(visited_at + timedelta(days=7, minutes=1)) == 1
    assert notified() == [("rep1", deal.pk), ("rep1", deal.pk)]


def test_a_call_is_not_a_visit(org):
    deal = deal_in(org, "bidding")

    with time_machine.travel(START + timedelta(days=5), tick=False):
        services.log_activity(opportunity=deal, user=org.rep1, kind="call", note="Phoned the CIO")

    assert Activity.objects.get().kind == "call"
    assert fresh(deal).last_visit_at is None
    assert sweep(START + timedelta(days=8)) == 1
    assert notified() == [("rep1", deal.pk)]


def test_a_stage_change_does_not_restart_the_clock_only_the_reminder(org):
    """Reaching a later stage without a visit leaves the deal late (its new, shorter cadence
    counts from the last visit or the deal's creation); the move clears the reminder mark, so
    the sweep reminds once more for the new stage."""
    deal = deal_in(org, "verify")
    sweep(START + timedelta(days=31))
    assert fresh(deal).cadence_warned_at is not None
    for code in ("decision_chain", "verify_need"):
        meet(deal, code, org)

    with time_machine.travel(START + timedelta(days=32), tick=False):
        services.advance(opportunity=fresh(deal), user=org.rep1)
        assert fresh(deal).cadence_warned_at is None
        assert list(Opportunity.objects.past_cadence()) == [fresh(deal)]

    assert sweep(START + timedelta(days=33)) == 1
    assert sweep(START + timedelta(days=34)) == 0


def test_closed_deals_are_never_notified(org):
    lost = deal_in(org, "bidding")
    abandoned = deal_in(org, "verify")
    won = deal_in(org, "negotiation")
    services.close_lost(opportunity=lost, user=org.rep1, reason="price", lessons="Too dear")
    services.close_lost(
        opportunity=abandoned, user=org.rep1, reason="budget", lessons="No money", abandon=True
    )
    services.mark_won(opportunity=won, by=org.rep1)  # as the contract signing does

    assert sweep(START + timedelta(days=90)) == 0
    assert not cadence_notices().exists()


def late_deals(org, count):
    stages = ["verify", "needs_analysis", "bidding"]
    return [deal_in(org, stages[i % 3], owner=OWNERS[i % len(OWNERS)]) for i in range(count)]


# 1 for the stages, 3 per stage (savepoint, select, release) and 9 per stage with late deals
# (mark, team tree, owners' teams, owners' names, notices, and for the outbox: the recipients,
# their choices, the teams' group robots, the messages): 1 + 9 * 3 + 3 * 9, for any number.
QUERY_BOUND = 55


@pytest.mark.parametrize("count", [3, 60])
def test_the_sweep_query_count_does_not_grow_with_the_late_deals(
    org, count, django_assert_max_num_queries
):
    deals = late_deals(org, count)

    with time_machine.travel(START + timedelta(days=31), tick=False):
        with django_assert_max_num_queries(QUERY_BOUND):
            assert services.notify_missed_cadence() == count

    assert Opportunity.objects.filter(cadence_warned_at__isnull=False).count() == len(deals)


@pytest.fixture
def finished_tasks():
    """task name → Event set when the embedded worker has run it."""
    events: dict[str, threading.Event] = {}

    def record(sender=None, **kwargs):
        events.setdefault(sender.name, threading.Event()).set()

    task_postrun.connect(record, weak=False)
    yield lambda name: events.setdefault(name, threading.Event())
    task_postrun.disconnect(record)


@pytest.fixture
def celery_broker_url():
    return "memory://"


@pytest.fixture
def default_processes():
    """A transactional test starts from a flushed database (an earlier one emptied it): put the
    default processes of migration 0002 back (idempotent). serialized_rollback would clash with
    the content types that earlier flushes recreate."""
    from opportunities import defaults
    from opportunities.models import GradingPolicy, Process, Stage, StageRequirement

    defaults.install(Process, Stage, StageRequirement, GradingPolicy)


@pytest.mark.django_db(transaction=True)
def test_the_celery_task_notifies_late_deals_through_a_worker(
    default_processes, org, celery_app, celery_worker, finished_tasks
):
    assert not celery_app.conf.task_always_eager
    late = opportunity(org.rep1, amount=Decimal(A_AMOUNT), stage_code="bidding")
    on_time = opportunity(org.rep3, amount=Decimal(A_AMOUNT), stage_code="bidding")
    Opportunity.objects.filter(pk=late.pk).update(
        stage_entered_at=timezone.now() - timedelta(days=8),
        created_at=timezone.now() - timedelta(days=8),
    )

    celery_app.send_task("opportunities.tasks.notify_missed_cadence")

    assert finished_tasks("opportunities.tasks.notify_missed_cadence").wait(timeout=20)
    assert fresh(late).cadence_warned_at is not None
    assert fresh(on_time).cadence_warned_at is None
    assert notified() == [("rep1", late.pk)]
    assert notified("opportunity_cadence_team") == [("manager", late.pk)]


# Computed, not flagged ---------------------------------------------------------------------------
def late_ids(at) -> list[int]:
    with time_machine.travel(at, tick=False):
        return sorted(Opportunity.objects.past_cadence().values_list("pk", flat=True))


def test_the_lateness_is_computed_live_from_the_last_visit_and_the_stages_cadence(org):
    """No sweep runs: the figure follows the clock, a visit clears it, and a stage-5 deal last
    visited four months ago is late although nothing was ever flagged."""
    bidding = deal_in(org, "bidding")  # 7 days
    verify = deal_in(org, "verify")  # 30 days
    old_visit = deal_in(org, "bidding")
    Opportunity.objects.filter(pk=old_visit.pk).update(last_visit_at=START - timedelta(days=120))

    assert late_ids(START + timedelta(days=1)) == [old_visit.pk]
    assert late_ids(START + timedelta(days=8)) == sorted([bidding.pk, old_visit.pk])
    assert late_ids(START + timedelta(days=31)) == sorted([bidding.pk, verify.pk, old_visit.pk])
    assert not Opportunity.objects.filter(cadence_warned_at__isnull=False).exists()

    with time_machine.travel(START + timedelta(days=8), tick=False):
        services.log_activity(opportunity=bidding, user=org.rep1, kind="visit", note="Visited")
    assert late_ids(START + timedelta(days=9)) == [old_visit.pk]


def test_a_completed_planned_visit_clears_the_cadence(org):
    from ltc.activity import services as activity

    deal = deal_in(org, "bidding")
    with time_machine.travel(START + timedelta(days=9), tick=False):
        assert fresh(deal).is_past_cadence
        planned = activity.plan_activity(
            by=org.rep1,
            subject_type="opportunity",
            subject_id=deal.pk,
            kind="visit",
            title="Site visit",
            due_at=timezone.now(),
        )
        activity.complete_planned_activity(planned=planned, user=org.rep1, outcome="Seen")
        assert not fresh(deal).is_past_cadence
        assert not Opportunity.objects.past_cadence().exists()


def test_the_workbench_and_the_list_filter_show_the_computed_lateness(org, client, settings):
    from ltc.core.workbench import panels_for

    late = deal_in(org, "bidding", name="Late deal")
    visited = deal_in(org, "bidding", name="Visited deal")
    Opportunity.objects.filter(pk=visited.pk).update(last_visit_at=START + timedelta(days=5))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(START + timedelta(days=9), tick=False):
        client.force_login(org.rep1)  # the session is made on the frozen clock
        from django.utils import translation

        with translation.override("en"):
            panel = next(
                p
                for p in panels_for(org.rep1)
                if str(p["title"]) == "Opportunities past their visit cadence"
            )
        assert [i["text"] for i in panel["items"]] == ["Late deal"]
        page = client.get("/opportunities/?past_cadence=true").content.decode()
        api = client.get("/api/v1/opportunities/?past_cadence=true").json()
    assert "Late deal" in page and "Visited deal" not in page
    assert [row["id"] for row in api["results"]] == [late.pk]


def test_the_managers_dashboard_counts_the_late_deals_per_rep(
    org, client, settings, django_assert_max_num_queries
):
    deal_in(org, "bidding", owner="rep1")
    deal_in(org, "bidding", owner="rep1")
    deal_in(org, "bidding", owner="rep2")
    deal_in(org, "bidding", owner="rep3")  # another team: not the manager's
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(START + timedelta(days=9), tick=False):
        from dashboards import figures
        from dashboards.scope import resolve_scope

        figure = figures.visit_cadence(resolve_scope(org.manager))
        client.force_login(org.manager)
        with django_assert_max_num_queries(120):
            page = client.get("/dashboards/").content.decode()
    assert figure["count"] == 3
    assert [(r["owner_id"], r["count"]) for r in figure["owners"]] == [
        (org.rep1.pk, 2),
        (org.rep2.pk, 1),
    ]
    assert "Deals past their visit cadence" in page
    assert f"past_cadence=true&amp;owner={org.rep1.pk}" in page
