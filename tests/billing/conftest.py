import pytest
import time_machine

from ..contracts.steps import signed, signing_deal
from .steps import NOW


@pytest.fixture(autouse=True)
def frozen():
    """Every billing test runs on 6 May 2030, 09:00; a test moves the clock with ``frozen``."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deal(org, frozen):
    """rep1's team 1 deal in its signing stage, with SR ``solution`` and FR ``delivery``."""
    return signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)


@pytest.fixture
def contract(org, deal):
    """The deal's contract, signed for 300,000: 30% on signing, 60% on acceptance, 10% on
    2031-06-30."""
    return signed(deal, org)
