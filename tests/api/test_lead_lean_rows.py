"""The lead lists answer from plain rows (``lead_rows`` + ``represent_leads``), not through
LeadSerializer: the bytes must be exactly what LeadSerializer would have answered."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from leads.api.serializers import LeadSerializer, lead_rows, represent_leads
from leads.models import Lead

from ..factories import CampaignFactory, LeadFactory, UserFactory, held_lead

pytestmark = pytest.mark.django_db


def varied_leads(org) -> list[int]:
    now = timezone.now()
    campaign = CampaignFactory()
    named = UserFactory(username="named", first_name="雷", last_name="李", team=org.team1)
    leads = [
        # Nulls: no amount, no campaign, no owner, no clock, empty strings.
        LeadFactory(
            pool=org.region_pool,
            estimated_amount=None,
            contact_name="",
            phone="",
            email="",
            need="",
            notes="",
        ),
        # Every currency, amounts that need the two places, big and small.
        LeadFactory(pool=org.default_pool, estimated_amount=Decimal("1200000"), currency="CNY"),
        LeadFactory(pool=org.default_pool, estimated_amount=Decimal("0.5"), currency="USD"),
        LeadFactory(
            pool=org.team2_pool, estimated_amount=Decimal("9999999999999.99"), currency="EUR"
        ),
        LeadFactory(pool=org.region_pool, estimated_amount=Decimal("0"), currency="HKD"),
        # Reasons of every kind (budget, need, source labels translated, activity counts).
        LeadFactory(
            pool=org.region_pool,
            source="referral",
            budget_confirmed=True,
            need="A new line",
            campaign=campaign,
            notes="多行\n备注 \u2028 with a line separator",
        ),
        # Owners: a name made of first and last name, a user name only; clocks set.
        held_lead(org.rep1, due_in=timedelta(hours=-3), follow_up_count=4),
        held_lead(named, state="validated", due_in=timedelta(days=5), source="partner"),
        held_lead(org.manager, state="disqualified", disqualify_reason="no_budget"),
    ]
    last = leads[-1]
    Lead.objects.filter(pk=last.pk).update(
        disqualify_note="Budget frozen until next year",
        last_follow_up_at=now - timedelta(days=1, microseconds=1),
        duplicate_of=leads[0],
        recovery_count=2,
    )
    # A stored reason with no value, and one whose code has no label.
    Lead.objects.filter(pk=leads[0].pk).update(
        score_reasons=[{"code": "budget", "points": 25}, {"code": "legacy", "points": 1}]
    )
    return [lead.pk for lead in leads]


def both_ways(ids):
    queryset = Lead.objects.filter(pk__in=ids).for_list().order_by("-score", "-id")
    serialized = LeadSerializer(list(queryset), many=True).data
    lean = represent_leads(lead_rows(queryset))
    return serialized, lean


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", [None, "UTC", "America/New_York"])
def test_lean_rows_render_the_same_bytes_as_lead_serializer(org, language, zone):
    ids = varied_leads(org)
    with translation.override(language):
        if zone:
            timezone.activate(zone)
        try:
            serialized, lean = both_ways(ids)
        finally:
            timezone.deactivate()
    assert len(lean) == len(ids)
    assert [list(row) for row in lean] == [list(row) for row in serialized]
    assert lean == serialized
    render = JSONRenderer().render
    assert render(lean) == render(serialized)


def test_lean_rows_cover_every_field_of_lead_serializer():
    assert list(represent_leads([])) == []
    assert LeadSerializer.Meta.fields == list(LeadSerializer().fields)


def test_the_lists_answer_what_lead_serializer_answers(org, api):
    ids = varied_leads(org)
    client = api("admin")
    for url in ("/api/v1/leads/", "/api/v1/leads/pool/"):
        answer = client.get(url, {"page_size": 200})
        assert answer.status_code == 200
        results = answer.json()["results"]
        shown = [row["id"] for row in results]
        queryset = Lead.objects.filter(pk__in=shown).for_list().order_by("-score", "-id")
        assert shown == [lead.pk for lead in queryset]
        expected = JSONRenderer().render(LeadSerializer(list(queryset), many=True).data)
        assert JSONRenderer().render(results) == expected
    assert set(ids) >= set(row["id"] for row in client.get("/api/v1/leads/").json()["results"])
