from datetime import timedelta

import pytest
from django.utils import timezone

from ..factories import opportunity


@pytest.fixture(autouse=True)
def english():
    """The services' refusals are read in English (the site's default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def deal(org):
    """rep1's deal (team 1) in bid preparation, with ``solution`` as SR and ``delivery`` as FR."""
    return opportunity(
        org.rep1,
        amount=2_000_000,
        solution_owner=org.solution,
        fulfillment_owner=org.delivery,
        stage_code="bid_preparation",
    )


def soon(days: int = 10):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def tender(org, deal):
    from tenders import services

    return services.create_tender(
        opportunity=deal,
        by=org.rep1,
        number="ZB-2026-001",
        issuer="Shanghai Metro procurement centre",
        questions_due_at=soon(5),
        submission_due_at=soon(10),
        bond_amount="20000",
    )
