import pytest
import time_machine

from .steps import NOW, signing_deal


@pytest.fixture(autouse=True)
def frozen():
    """Every contract test runs on 6 May 2030, 09:00; a test moves the clock with ``frozen``."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deal(org, frozen):
    """rep1's deal in negotiation and signing, with SR ``solution`` and FR ``delivery``."""
    return signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
