"""Who sees which quote and contract: the deal's iron triangle and the managers above it; finance
sees every contract (invoicing runs against them) but no quote; company-wide roles see all."""

from datetime import timedelta

import pytest

from contracts import services
from contracts.models import Contract, Quote
from ltc.org.models import Role
from opportunities import services as deals

from ..conftest import ROLES
from ..factories import UserFactory
from .steps import LINES, TODAY, draft, signing_deal

# role → (sees team 1's quote, sees team 1's contract, sees team 2's contract)
SEES = {
    "admin": (True, True, True),
    "manager": (True, True, False),
    "marketing": (False, False, False),
    "rep1": (True, True, False),
    "rep2": (False, False, False),
    "rep3": (False, False, True),
    "solution": (True, True, False),
    "delivery": (True, True, False),
    "finance": (False, True, True),
    "integration": (True, True, True),
}
assert set(SEES) == set(ROLES)


@pytest.fixture
def papers(org, deal):
    """A quote and a contract on rep1's team 1 deal; a contract on rep3's team 2 deal."""
    quote = services.create_quote(
        opportunity=deal, by=org.rep1, valid_until=TODAY + timedelta(days=30), lines=LINES
    )
    contract = draft(deal, org.rep1)
    other = draft(signing_deal(org.rep3), org.rep3)
    return quote, contract, other


@pytest.mark.parametrize("role", ROLES)
def test_quotes_and_contracts_are_seen_within_the_deals_scope(org, papers, role):
    quote, contract, other = papers
    user = org.user(role)
    sees_quote, sees_contract, sees_other = SEES[role]

    assert list(Quote.objects.visible_to(user)) == ([quote] if sees_quote else [])
    contracts = set(Contract.objects.visible_to(user))
    assert (contract in contracts, other in contracts) == (sees_contract, sees_other)


def test_a_leader_above_the_team_sees_its_quotes_and_contracts(org, papers):
    quote, contract, other = papers
    director = UserFactory(username="director", role=Role.MANAGER, team=org.region)
    org.region.leader = director
    org.region.save()

    assert list(Quote.objects.visible_to(director)) == [quote]
    assert set(Contract.objects.visible_to(director)) == {contract, other}


def test_a_contracts_scope_follows_the_deals_triangle(org, papers):
    _quote, contract, _other = papers
    newcomer = UserFactory(username="fr2", role=Role.DELIVERY, team=org.team1)
    assert contract not in Contract.objects.visible_to(newcomer)

    deals.update_opportunity(
        opportunity=contract.opportunity, by=org.rep1, fulfillment_owner=newcomer
    )

    assert contract in Contract.objects.visible_to(newcomer)
    assert contract not in Contract.objects.visible_to(org.delivery)


@pytest.mark.parametrize("role", ["manager", "finance", "rep1"])
def test_listing_contracts_takes_a_fixed_number_of_queries(
    org, papers, role, django_assert_max_num_queries
):
    for _ in range(3):
        draft(signing_deal(org.rep1), org.rep1)
    user = org.user(role)

    with django_assert_max_num_queries(3):
        rows = [
            (c.number, c.customer.name, c.opportunity.owner.username)
            for c in Contract.objects.visible_to(user).for_list()
        ]

    assert len(rows) >= 4
