"""The lead services: claiming, assigning, working and closing leads, and their refusals."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leads import services
from leads.models import DisqualifyReason, Lead, LeadRecovery, LeadState, Source
from ltc.activity.models import Activity, ActivityKind, TransitionLog
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused

from ..factories import LeadFactory, PoolFactory, held_lead

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10AM = datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)


def codes(error) -> list[str]:
    return [m.code for m in error.missing]


def claim_logs(lead):
    return TransitionLog.objects.filter(
        content_type__model="lead", object_id=lead.pk, transition="claim"
    )


def refusal(call) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as info:
        call()
    return info.value


# Claiming ------------------------------------------------------------------------------------
def test_claim_assigns_the_lead_to_the_rep_and_starts_the_first_follow_up_clock(org):
    pool = PoolFactory(team=org.team1, first_follow_up_days=3)
    lead = LeadFactory(pool=pool)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.claim_lead(lead=lead, user=org.rep1)

    lead.refresh_from_db()
    assert lead.state == LeadState.ASSIGNED
    assert lead.owner == org.rep1
    assert lead.assigned_at == MONDAY_10AM
    assert lead.follow_up_due_at == MONDAY_10AM + timedelta(days=3)
    log = claim_logs(lead).get()
    assert (log.actor, log.source, log.target, log.at) == (org.rep1, "new", "assigned", MONDAY_10AM)


def test_second_claim_of_the_same_lead_is_refused(org):
    lead = LeadFactory(pool=org.region_pool)
    services.claim_lead(lead=lead, user=org.rep1)

    error = refusal(lambda: services.claim_lead(lead=lead, user=org.rep2))

    assert codes(error) == ["state"]
    assert error.missing[0].label
    lead.refresh_from_db()
    assert lead.owner == org.rep1
    assert claim_logs(lead).count() == 1


def test_claim_over_the_holding_limit_is_refused_with_max_held(org):
    pool = PoolFactory(max_held=2)
    held_lead(org.rep1, pool=pool)
    held_lead(org.rep1, pool=pool, state="validated")
    lead = LeadFactory(pool=pool)

    error = refusal(lambda: services.claim_lead(lead=lead, user=org.rep1))

    assert codes(error) == ["max_held"]
    assert Lead.objects.get(pk=lead.pk).state == LeadState.NEW


def test_claim_over_the_daily_limit_is_refused_until_the_next_day(org):
    pool = PoolFactory(max_daily_claims=2)
    first, second, third = LeadFactory.create_batch(3, pool=pool)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.claim_lead(lead=first, user=org.rep1)
        services.claim_lead(lead=second, user=org.rep1)
        error = refusal(lambda: services.claim_lead(lead=third, user=org.rep1))
        assert codes(error) == ["max_daily_claims"]
        # Another rep's claims do not count against rep1.
        assert services.claim_lead(lead=third, user=org.rep2).owner == org.rep2

    fourth = LeadFactory(pool=pool)
    with time_machine.travel(MONDAY_10AM + timedelta(days=1), tick=False):
        assert services.claim_lead(lead=fourth, user=org.rep1).owner == org.rep1


def test_rep_cannot_reclaim_a_released_lead_during_the_cooldown(org):
    pool = PoolFactory(reclaim_cooldown_days=7)
    lead = LeadFactory(pool=pool)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.claim_lead(lead=lead, user=org.rep1)
        services.release_lead(lead=lead, user=org.rep1, reason="Wrong region")
    with time_machine.travel(MONDAY_10AM + timedelta(days=6), tick=False):
        error = refusal(lambda: services.claim_lead(lead=lead, user=org.rep1))
        assert codes(error) == ["reclaim_cooldown"]
    with time_machine.travel(MONDAY_10AM + timedelta(days=7, minutes=1), tick=False):
        assert services.claim_lead(lead=lead, user=org.rep1).owner == org.rep1


def test_rep_cannot_reclaim_a_recovered_lead_during_the_cooldown_but_others_can(org):
    pool = PoolFactory(reclaim_cooldown_days=7, first_follow_up_days=2)
    lead = LeadFactory(pool=pool)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.claim_lead(lead=lead, user=org.rep1)
    with time_machine.travel(MONDAY_10AM + timedelta(days=3), tick=False):
        assert services.recover_overdue_leads() == 1
        error = refusal(lambda: services.claim_lead(lead=lead, user=org.rep1))
        assert codes(error) == ["reclaim_cooldown"]
        assert services.claim_lead(lead=lead, user=org.rep2).owner == org.rep2


def test_every_exceeded_claim_limit_is_listed_at_once(org):
    pool = PoolFactory(max_held=1, max_daily_claims=1, reclaim_cooldown_days=7)
    lead = LeadFactory(pool=pool)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.claim_lead(lead=lead, user=org.rep1)
        services.release_lead(lead=lead, user=org.rep1, reason="Not mine")
        held_lead(org.rep1, pool=pool)

        error = refusal(lambda: services.claim_lead(lead=lead, user=org.rep1))

    assert sorted(codes(error)) == ["max_daily_claims", "max_held", "reclaim_cooldown"]
    assert all(m.label for m in error.missing)


@pytest.mark.parametrize(
    "role", ["marketing", "finance", "solution", "delivery", "admin", "integration"]
)
def test_roles_other_than_reps_and_managers_may_not_claim(org, role):
    lead = LeadFactory(pool=org.default_pool)

    with pytest.raises(NotAllowed):
        services.claim_lead(lead=lead, user=org.user(role))

    lead.refresh_from_db()
    assert (lead.state, lead.owner) == (LeadState.NEW, None)


def test_a_manager_may_claim(org):
    lead = LeadFactory(pool=org.region_pool)
    assert services.claim_lead(lead=lead, user=org.manager).owner == org.manager


# Assigning -----------------------------------------------------------------------------------
def test_manager_assigns_a_pool_lead_to_a_member_of_their_team(org):
    lead = LeadFactory(pool=org.region_pool)

    services.assign_lead(lead=lead, owner=org.rep2, by=org.manager)

    lead.refresh_from_db()
    assert (lead.state, lead.owner) == (LeadState.ASSIGNED, org.rep2)
    assert TransitionLog.objects.filter(
        object_id=lead.pk, transition="assign", actor=org.manager
    ).exists()
    assert org.rep2.notifications.filter(kind="lead_assigned").count() == 1


def test_manager_may_not_assign_to_someone_outside_their_teams(org):
    lead = LeadFactory(pool=org.region_pool)

    with pytest.raises(InvalidInput) as info:
        services.assign_lead(lead=lead, owner=org.rep3, by=org.manager)

    assert info.value.field == "owner"
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_manager_reassigns_a_held_lead_within_the_team(org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    services.assign_lead(lead=lead, owner=org.rep2, by=org.manager)
    assert Lead.objects.get(pk=lead.pk).owner == org.rep2


def test_marketing_assigns_to_any_rep(org):
    lead = LeadFactory(pool=org.region_pool)
    services.assign_lead(lead=lead, owner=org.rep3, by=org.marketing)
    assert Lead.objects.get(pk=lead.pk).owner == org.rep3


@pytest.mark.parametrize("role", ["rep1", "finance", "solution", "integration"])
def test_only_managers_marketing_and_admins_assign(org, role):
    lead = LeadFactory(pool=org.region_pool)
    with pytest.raises(NotAllowed):
        services.assign_lead(lead=lead, owner=org.rep2, by=org.user(role))


@pytest.mark.parametrize("owner", ["finance", "marketing", "solution"])
def test_leads_are_assigned_to_reps_or_managers_only(org, owner):
    lead = LeadFactory(pool=org.region_pool)
    with pytest.raises(InvalidInput) as info:
        services.assign_lead(lead=lead, owner=org.user(owner), by=org.marketing)
    assert info.value.field == "owner"


# Releasing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   "])
def test_release_needs_a_reason(org, reason):
    lead = held_lead(org.rep1, pool=org.region_pool)

    with pytest.raises(InvalidInput) as info:
        services.release_lead(lead=lead, user=org.rep1, reason=reason)

    assert info.value.field == "reason"
    assert Lead.objects.get(pk=lead.pk).owner == org.rep1
    assert not LeadRecovery.objects.exists()


def test_release_returns_the_lead_to_the_pool_and_records_a_released_recovery(org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.release_lead(lead=lead, user=org.rep1, reason="Customer is in another region")

    lead.refresh_from_db()
    assert (lead.state, lead.owner, lead.follow_up_due_at) == (LeadState.NEW, None, None)
    assert lead.recovery_count == 0  # a release is not a recovery
    recovery = LeadRecovery.objects.get(lead=lead)
    assert recovery.kind == LeadRecovery.Kind.RELEASED
    assert recovery.former_owner == org.rep1
    assert recovery.reason == "Customer is in another region"
    assert recovery.at == MONDAY_10AM


def test_another_rep_may_not_release_a_lead(org):
    lead = held_lead(org.rep1, pool=org.region_pool)
    with pytest.raises(NotAllowed):
        services.release_lead(lead=lead, user=org.rep2, reason="Mine now")


# Following up ------------------------------------------------------------------------------------
def test_follow_up_resets_the_clock_and_counts_and_rescores(org):
    pool = PoolFactory(follow_up_interval_days=7)
    lead = held_lead(org.rep1, pool=pool, due_in=timedelta(hours=3))
    score_before = lead.score
    with time_machine.travel(MONDAY_10AM, tick=False):
        activity = services.log_follow_up(
            lead=lead, user=org.rep1, kind=ActivityKind.CALL, note="Reached Mr Li"
        )

    lead.refresh_from_db()
    assert lead.follow_up_due_at == MONDAY_10AM + timedelta(days=7)
    assert lead.last_follow_up_at == MONDAY_10AM
    assert lead.follow_up_count == 1
    assert lead.score == score_before + 5
    assert "activity" in [r["code"] for r in lead.score_reasons]
    assert Activity.objects.get(pk=activity.pk).subject == lead


def test_follow_up_needs_a_note(org):
    lead = held_lead(org.rep1)
    with pytest.raises(InvalidInput) as info:
        services.log_follow_up(lead=lead, user=org.rep1, kind="call", note=" ")
    assert info.value.field == "note"
    assert Lead.objects.get(pk=lead.pk).follow_up_count == 0


def test_follow_up_on_a_pool_lead_is_refused(org):
    lead = LeadFactory(pool=org.region_pool)
    error = refusal(
        lambda: services.log_follow_up(lead=lead, user=org.admin, kind="call", note="x")
    )
    assert codes(error) == ["state"]


# Validating ----------------------------------------------------------------------------------
def test_validation_lists_every_missing_requirement_then_succeeds(org):
    lead = held_lead(org.rep1, need="", budget_confirmed=False)

    error = refusal(lambda: services.validate_lead(lead=lead, user=org.rep1))
    assert sorted(codes(error)) == ["budget_confirmed", "follow_up_logged", "need"]
    assert Lead.objects.get(pk=lead.pk).state == LeadState.ASSIGNED

    services.log_follow_up(lead=lead, user=org.rep1, kind="visit", note="Met the CTO")
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.validate_lead(
            lead=lead, user=org.rep1, need="A new production line", budget_confirmed=True
        )

    lead.refresh_from_db()
    assert lead.state == LeadState.VALIDATED
    assert lead.validated_at == MONDAY_10AM
    assert lead.follow_up_due_at is None  # a validated lead is no longer recovered
    assert lead.need == "A new production line" and lead.budget_confirmed
    assert TransitionLog.objects.filter(object_id=lead.pk, transition="validate").count() == 1


def test_refused_validation_does_not_keep_the_given_need(org):
    lead = held_lead(org.rep1, need="")
    refusal(lambda: services.validate_lead(lead=lead, user=org.rep1, need="Something"))
    assert Lead.objects.get(pk=lead.pk).need == ""


# Disqualifying -------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "bored", None])
def test_disqualify_needs_a_valid_reason(org, reason):
    lead = held_lead(org.rep1)
    with pytest.raises(InvalidInput) as info:
        services.disqualify_lead(lead=lead, user=org.rep1, reason=reason)
    assert info.value.field == "reason"
    assert Lead.objects.get(pk=lead.pk).state == LeadState.ASSIGNED


def test_disqualify_closes_the_lead_with_its_reason(org):
    lead = held_lead(org.rep1)
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.disqualify_lead(
            lead=lead, user=org.rep1, reason=DisqualifyReason.NO_BUDGET, note="Next year"
        )
    lead.refresh_from_db()
    assert (lead.state, lead.disqualify_reason, lead.closed_at) == (
        LeadState.DISQUALIFIED,
        "no_budget",
        MONDAY_10AM,
    )
    assert lead.follow_up_due_at is None


def test_a_disqualified_lead_cannot_be_disqualified_again(org):
    lead = held_lead(org.rep1)
    services.disqualify_lead(lead=lead, user=org.rep1, reason="no_need")
    error = refusal(lambda: services.disqualify_lead(lead=lead, user=org.rep1, reason="no_need"))
    assert codes(error) == ["state"]


# Duplicates and merging ------------------------------------------------------------------------
def _create(org, **fields):
    defaults = {"title": "Line", "company_name": "Unrelated Ltd", "source": Source.WEBSITE}
    return services.create_lead(by=org.marketing, pool=org.region_pool, **(defaults | fields))


@pytest.mark.parametrize(
    "first, second",
    [
        ({"phone": "13800000000"}, {"phone": "+86 138-0000-0000"}),
        ({"phone": "+86 (139) 1234 5678"}, {"phone": "0086 13912345678"}),
        ({"email": "li.lei@huawei.com"}, {"email": "  Li.Lei@HUAWEI.com"}),
        ({"company_name": "华为技术有限公司"}, {"company_name": "华为技术"}),
        ({"company_name": "Acme Co., Ltd."}, {"company_name": "ACME"}),
    ],
)
def test_a_new_lead_matching_an_open_one_is_flagged_as_duplicate(org, first, second):
    original = _create(org, **({"company_name": "First Co"} | first))
    duplicate = _create(org, **({"company_name": "Second Co"} | second))

    assert duplicate.duplicate_of == original
    assert Lead.objects.get(pk=original.pk).duplicate_of is None


def test_a_lead_matching_only_a_closed_lead_is_not_flagged(org):
    closed = _create(org, company_name="Closed Co", phone="13911112222")
    services.disqualify_lead(lead=closed, user=org.marketing, reason="invalid")

    assert _create(org, company_name="Other Co", phone="139 1111 2222").duplicate_of is None


def test_different_contacts_are_not_duplicates(org):
    _create(org, company_name="Alpha", phone="13911112222", email="a@alpha.cn")
    assert (
        _create(org, company_name="Beta", phone="13911113333", email="b@beta.cn").duplicate_of
        is None
    )


def test_merge_moves_activities_and_disqualifies_the_duplicate(org):
    original = held_lead(
        org.rep1, company_name="华为技术有限公司", phone="", email="", contact_name=""
    )
    duplicate = held_lead(org.rep1, company_name="华为技术", phone="13800000000", contact_name="Li")
    services.log_follow_up(lead=duplicate, user=org.rep1, kind="call", note="First call")
    services.log_follow_up(lead=duplicate, user=org.rep1, kind="email", note="Sent brochure")

    services.merge_leads(duplicate=duplicate, into=original, user=org.rep1)

    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert Activity.objects.filter(object_id=original.pk, content_type__model="lead").count() == 2
    assert not Activity.objects.filter(object_id=duplicate.pk, content_type__model="lead").exists()
    assert original.follow_up_count == 2
    assert (original.phone, original.contact_name) == ("13800000000", "Li")  # gaps filled
    assert duplicate.state == LeadState.DISQUALIFIED
    assert duplicate.disqualify_reason == DisqualifyReason.DUPLICATE
    assert duplicate.duplicate_of == original
    assert TransitionLog.objects.filter(object_id=duplicate.pk, transition="merge").count() == 1


def test_a_lead_cannot_be_merged_into_itself(org):
    lead = held_lead(org.rep1)
    with pytest.raises(InvalidInput):
        services.merge_leads(duplicate=lead, into=lead, user=org.rep1)


def test_another_rep_may_not_merge_leads_they_do_not_work(org):
    a, b = held_lead(org.rep1), held_lead(org.rep1)
    with pytest.raises(NotAllowed):
        services.merge_leads(duplicate=a, into=b, user=org.rep3)


# Score ----------------------------------------------------------------------------------------
def test_score_reasons_are_given_and_sum_to_the_score(org):
    lead = _create(
        org,
        source=Source.REFERRAL,
        estimated_amount=Decimal("2000000"),
        phone="13700000001",
        email="x@y.cn",
        contact_name="Wang",
        need="MES upgrade",
        budget_confirmed=True,
    )

    reasons = {r["code"]: r["points"] for r in lead.score_reasons}
    assert reasons == {
        "source": 20,
        "budget": 25,
        "amount": 20,
        "phone": 5,
        "email": 5,
        "contact": 5,
        "need": 5,
    }
    assert lead.score == sum(reasons.values()) == 85


def test_a_bare_lead_scores_only_its_source(org):
    lead = _create(org, source=Source.SOCIAL, contact_name="")
    assert lead.score_reasons == [{"code": "source", "points": 5, "value": "social"}]
    assert lead.score == 5
