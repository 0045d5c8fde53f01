import pytest
import time_machine

from ..contracts.steps import TERMS, signed, signing_deal
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
def terms():
    """The contract's payment terms: the SPEC's 30% on signing, 60% on acceptance, 10% on
    2031-06-30. A module or test about something else overrides it (``all_on_acceptance``)."""
    return TERMS


@pytest.fixture
def contract(org, deal, terms):
    """The deal's contract, signed for 300,000 with ``terms``."""
    return signed(deal, org, payment_terms=terms)


@pytest.fixture
def milestones(org, contract):
    """A second contract of the same customer (rep1's), signed for 300,000 with the SPEC's terms
    whatever ``terms`` says: its advance (90,000) is due now, against the contract."""
    other = signing_deal(
        org.rep1, customer=contract.customer, solution=org.solution, delivery=org.delivery
    )
    return signed(other, org)
