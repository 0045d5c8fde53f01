"""The scope's querysets select exactly the rows of their definition: the viewer's visible records
(``visible_to``) that match the scope, the teams' members matched on the owner's team. The
querysets are written for speed (the members' ids read once, the visibility left out where the
scope implies it); here every role asks for every scope it may, and the rows are compared with
the plain definition."""

import pytest
from django.db.models import Q
from django.http import Http404

from dashboards.scope import resolve_scope
from leads.models import Lead, LeadRecovery
from opportunities.models import Opportunity, Review, StageHistory

from ..conftest import ROLES
from .builders import deal, lead, review

pytestmark = pytest.mark.django_db


def _defined_deal_q(scope, prefix=""):
    q = Q()
    if scope.owner is not None:
        q &= (
            Q(**{f"{prefix}owner": scope.owner})
            | Q(**{f"{prefix}solution_owner": scope.owner})
            | Q(**{f"{prefix}fulfillment_owner": scope.owner})
        )
    if scope.team_ids is not None:
        q &= Q(**{f"{prefix}team_id__in": scope.team_ids}) | Q(
            **{f"{prefix}owner__team_id__in": scope.team_ids}
        )
    return q


def _defined_leads(scope):
    qs = Lead.objects.visible_to(scope.viewer)
    if scope.owner is not None:
        taken = LeadRecovery.objects.filter(former_owner=scope.owner).values("lead_id")
        qs = qs.filter(Q(owner=scope.owner) | Q(pk__in=taken))
    if scope.team_ids is not None:
        taken = LeadRecovery.objects.filter(former_owner__team_id__in=scope.team_ids)
        qs = qs.filter(
            Q(owner__team_id__in=scope.team_ids)
            | Q(pk__in=taken.values("lead_id"))
            | Q(owner__isnull=True, pool__team_id__in=scope.team_ids)
        )
    return qs


@pytest.fixture
def records(org):
    """Deals inside, across and outside the teams: booked to another team than the owner's,
    with a triangle across teams, without a team; leads held, taken back and in the pools."""
    opps = [
        deal(org.rep1),
        deal(org.rep1, team=org.team2),
        deal(org.rep3),
        deal(org.rep3, team=org.team1),
        deal(org.rep3, solution_owner=org.rep1),
        deal(org.rep3, solution_owner=org.solution),
        deal(org.manager, team=None),
        deal(org.finance, team=None),
        deal(
            org.rep2,
            history=[("verify", "2026-01-05", "2026-02-01"), ("needs_analysis", "2026-02-01", "")],
        ),
    ]
    opps[5].fulfillment_owner = org.delivery
    opps[5].save(update_fields=["fulfillment_owner"])
    for opp in opps:
        review(opp)
    lead(owner=org.rep1)
    lead(owner=org.rep3, recovered=[(org.rep1, "2026-03-05")])
    lead(recovered=[(org.rep3, "2026-03-05")], pool=org.team2_pool)
    lead(pool=org.region_pool)
    lead(pool=org.team2_pool)
    lead(owner=org.manager)


SCOPES = [{}, {"team": "team1"}, {"team": "team2"}, {"team": "region"}]
SCOPES += [{"owner": name} for name in ("rep1", "rep3", "manager", "solution", "delivery")]
SCOPES += [{"team": "team1", "owner": "rep1"}, {"team": "team2", "owner": "rep1"}]


@pytest.mark.parametrize("who", ROLES)
def test_every_scope_selects_the_rows_of_its_definition(org, records, who):
    viewer = org.user(who)
    asked = 0
    for params in SCOPES:
        ids = {key: getattr(org, value).pk for key, value in params.items()}
        try:
            scope = resolve_scope(viewer, **ids)
        except Http404:
            continue
        asked += 1
        deals = Opportunity.objects.visible_to(viewer).filter(_defined_deal_q(scope))
        assert set(scope.opportunities()) == set(deals), params
        stays = StageHistory.objects.filter(opportunity__in=deals)
        assert set(scope.stage_history()) == set(stays), params
        reviews = Review.objects.visible_to(viewer).filter(_defined_deal_q(scope, "opportunity__"))
        assert set(scope.reviews()) == set(reviews), params
        assert set(scope.leads()) == set(_defined_leads(scope)), params
    assert asked


def test_a_team_without_members_has_only_its_booked_deals_and_pool_leads(org):
    from ..factories import TeamFactory

    empty = TeamFactory(name="Empty", parent=org.region)
    booked = deal(org.rep1, team=empty)
    deal(org.rep1)
    scope = resolve_scope(org.admin, team=empty.pk)
    assert scope.member_ids == []
    assert list(scope.opportunities()) == [booked]
    assert list(scope.leads()) == []
