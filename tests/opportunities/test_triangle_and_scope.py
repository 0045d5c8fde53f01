"""The iron triangle: who sees a deal and its customer, and who gets its tasks."""

from decimal import Decimal

import pytest

from ltc.activity.models import Notification
from ltc.core.errors import InvalidInput, NotAllowed
from ltc.customers.models import Customer
from opportunities import services
from opportunities.models import Opportunity, OpportunityTask, StageRequirement

from ..factories import UserFactory, opportunity
from .steps import A_AMOUNT, ALWAYS_MET, codes_of, fresh, meet


@pytest.fixture
def deal(org):
    return opportunity(
        org.rep1,
        amount=Decimal(A_AMOUNT),
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
    )


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("rep1", True),
        ("solution", True),
        ("delivery", True),
        ("manager", True),
        ("admin", True),
        ("integration", True),
        ("rep2", False),
        ("rep3", False),
        ("finance", False),
        ("marketing", False),
    ],
)
def test_the_triangle_and_the_managers_above_it_see_the_deal(org, deal, who, sees):
    assert Opportunity.objects.visible_to(org.user(who)).filter(pk=deal.pk).exists() is sees


def test_the_team_manager_sees_every_team_deal_and_no_other(org):
    team1 = [opportunity(org.rep1), opportunity(org.rep2)]
    team2 = opportunity(org.rep3)

    visible = set(Opportunity.objects.visible_to(org.manager).values_list("pk", flat=True))

    assert visible == {d.pk for d in team1}
    assert team2.pk not in visible
    assert set(Opportunity.objects.visible_to(org.rep3).values_list("pk", flat=True)) == {team2.pk}


def test_the_deal_team_is_the_owners_team(org):
    assert opportunity(org.rep1).team == org.team1
    assert opportunity(org.rep3).team == org.team2


@pytest.mark.parametrize("who", ["solution", "delivery"])
def test_the_customer_of_a_deal_becomes_visible_to_its_sr_and_fr(org, who):
    bystander = opportunity(org.rep1, amount=Decimal(A_AMOUNT))
    user = org.user(who)
    assert not Customer.objects.visible_to(user).filter(pk=bystander.customer_id).exists()

    field = {"solution": "solution_owner", "delivery": "fulfillment_owner"}[who]
    services.update_opportunity(opportunity=bystander, by=org.rep1, **{field: user})

    assert Customer.objects.visible_to(user).filter(pk=bystander.customer_id).exists()


@pytest.mark.parametrize("who", ["rep3", "rep2"])
def test_the_customer_of_a_deal_stays_hidden_from_people_outside_it(org, deal, who):
    assert not Customer.objects.visible_to(org.user(who)).filter(pk=deal.customer_id).exists()


def test_the_owner_and_the_manager_see_the_customer(org, deal):
    assert Customer.objects.visible_to(org.rep1).filter(pk=deal.customer_id).exists()
    assert Customer.objects.visible_to(org.manager).filter(pk=deal.customer_id).exists()


def test_tasks_go_to_the_user_holding_the_role(org, deal):
    # Walk the deal into needs analysis: the tasks of value presentation open, for SR and AR.
    for target in ("approval", "needs_analysis"):
        for code in codes_of(target) - ALWAYS_MET:
            meet(deal, code, org)
        services.advance(opportunity=fresh(deal), user=org.rep1)

    tasks = dict(OpportunityTask.objects.filter(opportunity=deal).values_list("code", "assignee"))

    assert tasks == {
        "verify_need": org.rep1.pk,
        "needs_research": org.solution.pk,
        "action_plan": org.rep1.pk,
    }
    assert Notification.objects.filter(kind="task_assigned", recipient=org.solution).exists()


@pytest.fixture
def sr_task_in_approval(org):
    """A company process with an SR task in the project approval gate."""
    return StageRequirement.objects.create(
        stage=fresh(opportunity(org.rep1)).process.stages.get(code="approval"),
        kind="task",
        code="solution_sketch",
        label_en="Sketch the solution",
        role="sr",
    )


def test_an_sr_task_waits_unassigned_until_the_sr_is_set(org, sr_task_in_approval):
    deal = opportunity(org.rep1, amount=Decimal(A_AMOUNT))
    task = OpportunityTask.objects.get(opportunity=deal, code="solution_sketch")
    assert task.assignee is None

    services.update_opportunity(opportunity=deal, by=org.rep1, solution_owner=org.solution)

    task.refresh_from_db()
    assert task.assignee == org.solution
    assert Notification.objects.filter(kind="opportunity_assigned", recipient=org.solution).exists()


def test_a_new_sr_takes_over_the_open_sr_tasks(org, sr_task_in_approval):
    deal = opportunity(org.rep1, amount=Decimal(A_AMOUNT), solution_owner=org.solution)
    assert (
        OpportunityTask.objects.get(opportunity=deal, code="solution_sketch").assignee
        == org.solution
    )
    other_sr = UserFactory(username="solution2", role=org.solution.role, team=org.team1)

    services.update_opportunity(opportunity=deal, by=org.rep1, solution_owner=other_sr)

    task = OpportunityTask.objects.get(opportunity=deal, code="solution_sketch")
    assert task.assignee == other_sr
    services.complete_task(opportunity=deal, code="solution_sketch", user=other_sr)
    with pytest.raises(NotAllowed):
        services.complete_task(opportunity=deal, code="verify_need", user=other_sr)


def test_only_the_role_user_or_a_manager_completes_a_task(org, deal):
    for who in ("solution", "delivery", "rep2"):
        with pytest.raises(NotAllowed):
            services.complete_task(opportunity=deal, code="verify_need", user=org.user(who))

    task = services.complete_task(opportunity=deal, code="verify_need", user=org.manager)

    assert (task.done_by, task.assignee) == (org.manager, org.rep1)


@pytest.mark.parametrize("who", ["solution", "delivery"])
def test_the_sr_and_fr_do_not_form_the_triangle(org, deal, who):
    with pytest.raises(NotAllowed):
        services.update_opportunity(opportunity=deal, by=org.user(who), fulfillment_owner=None)


@pytest.mark.parametrize(
    ("field", "who"),
    [("solution_owner", "delivery"), ("fulfillment_owner", "solution"), ("solution_owner", "rep2")],
)
def test_a_triangle_member_must_have_the_matching_role(org, deal, field, who):
    with pytest.raises(InvalidInput) as caught:
        services.update_opportunity(opportunity=deal, by=org.rep1, **{field: org.user(who)})

    assert caught.value.field == field


def test_removing_the_sr_leaves_the_open_sr_tasks_unassigned(org, sr_task_in_approval):
    deal = opportunity(org.rep1, amount=Decimal(A_AMOUNT), solution_owner=org.solution)

    services.update_opportunity(opportunity=deal, by=org.rep1, solution_owner=None)

    assert OpportunityTask.objects.get(opportunity=deal, code="solution_sketch").assignee is None
    assert OpportunityTask.objects.get(opportunity=deal, code="verify_need").assignee == org.rep1
