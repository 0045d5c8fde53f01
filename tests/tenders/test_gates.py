"""Stage gates may require a tender (tender_recorded) and its win (tender_result): the checks
are registered by the tenders app and configured on a stage by an administrator, as data."""

import pytest

from opportunities import services as deals
from opportunities.models import Stage, StageRequirement
from tenders import services

pytestmark = pytest.mark.django_db


def _require(deal, stage_code: str, *codes: str) -> Stage:
    stage = Stage.objects.get(process=deal.process, code=stage_code)
    stage.requirements.all().delete()
    for code in codes:
        StageRequirement.objects.create(stage=stage, kind="field", code=code)
    return stage


def _missing(deal, stage_code):
    _target, _items, missing = deals.gate(deal, stage_code)
    return {m.code for m in missing}


def test_the_bidding_stage_can_require_a_tender(org, deal):
    _require(deal, "bidding", "tender_recorded")
    assert _missing(deal, "bidding") == {"tender_recorded"}
    from .conftest import soon

    services.create_tender(
        opportunity=deal, by=org.rep1, number="T", issuer="x", submission_due_at=soon(5)
    )
    assert _missing(deal, "bidding") == set()


def test_the_next_stage_can_require_the_tender_won(org, tender):
    deal = tender.opportunity
    _require(deal, "bidding")
    deals.advance(opportunity=deal, user=org.rep1)
    deal.refresh_from_db()
    _require(deal, "negotiation", "tender_recorded", "tender_result")
    assert _missing(deal, "negotiation") == {"tender_result"}
    services.submit_tender(tender=tender, by=org.rep1, price="10")
    services.win_tender(tender=tender, by=org.rep1)
    assert _missing(deal, "negotiation") == set()
    items = {i.code: str(i.label) for i in deals.gate(deal, "negotiation")[1]}
    assert items["tender_result"] == "The tender is won"
