import pytest
import time_machine

from ..contracts.steps import NOW, signed, signing_deal
from ..delivery.steps import order as place_order
from ..delivery.steps import units_of


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files go to a fresh directory per test, never to the project's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    """The services' refusals are read in English (the site's default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deal(org, frozen):
    """rep1's team 1 deal in signing, with SR ``solution`` and FR ``delivery``."""
    return signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)


@pytest.fixture
def contract(org, deal):
    return signed(deal, org)


@pytest.fixture
def unit(org, contract):
    return units_of(place_order(contract, org.delivery))[0]
