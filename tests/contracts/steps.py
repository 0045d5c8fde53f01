"""Helpers of the contract tests: a deal in its signing stage with its iron triangle, and one step
per stage of a contract's life (drafted → in review → approved → signed → executing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from contracts import services
from contracts.models import CommercialPolicy, Contract
from ltc.org.models import Role
from opportunities import services as deals
from opportunities.models import Opportunity

from ..factories import UserFactory, opportunity

NOW = timezone.make_aware(datetime(2030, 5, 6, 9, 0))
TODAY = date(2030, 5, 6)
AMOUNT = Decimal("300000.00")

TERMS = [
    {"label": "Advance", "percent": "30", "trigger": "signing"},
    {"label": "On acceptance", "percent": "60", "trigger": "acceptance"},
    {"label": "After the warranty", "percent": "10", "trigger": "date", "due_date": "2031-06-30"},
]

# Everything invoiced as units are accepted: for the tests of invoicing mechanics, where the
# payment terms are not the point.
ON_ACCEPTANCE = [{"label": "On acceptance", "percent": "100", "trigger": "acceptance"}]

LINES = [
    {"product_code": "SRV-1", "description": "Server", "quantity": "2", "unit_price": "1000"},
    {"description": "Installation", "quantity": "1", "unit_price": "500", "discount_percent": "5"},
]


def standard_book():
    """The catalogue of the quote tests: a server (1,000 a unit), its installation (500), a
    licence (1,000), a line controller and its commissioning (100,000 each) in a standard CNY
    book valid since 2020; no cost prices."""
    from products.models import PriceBook, PriceBookEntry, Product, ProductFamily

    book, created = PriceBook.objects.get_or_create(
        name="Standard",
        defaults={"is_standard": True, "currency": "CNY", "valid_from": date(2020, 1, 1)},
    )
    if created:
        family = ProductFamily.objects.create(code="HW", name_zh_hans="硬件", name_en="Hardware")
        for code, name, price in (
            ("SRV-1", "Server", "1000"),
            ("INST", "Installation", "500"),
            ("LIC", "Licence", "1000"),
            ("PLC-9", "Line controller", "100000"),
            ("COMM", "Commissioning", "100000"),
        ):
            product = Product.objects.create(
                code=code, name_zh_hans=name, name_en=name, family=family
            )
            PriceBookEntry.objects.create(price_book=book, product=product, list_price=price)
    return book


def product_id(code: str) -> int:
    from products.models import Product

    standard_book()
    return Product.objects.get(code=code).pk


def catalogue_lines() -> list[dict]:
    """LINES picked from the catalogue: the same amounts, no free text."""
    return [
        {"product": product_id("SRV-1"), "quantity": "2"},
        {"product": product_id("INST"), "quantity": "1", "discount_percent": "5"},
    ]


def missing_codes(error) -> set[str]:
    return {m.code for m in error.missing}


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def set_policy(**fields) -> None:
    """Edit the one commercial policy row (shipped by a data migration)."""
    policy = CommercialPolicy.current()
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()


def team2_manager(org):
    """The leader of team 2: a manager, but not above team 1's deals."""
    user = UserFactory(username="manager2", role=Role.MANAGER, team=org.team2)
    org.team2.leader = user
    org.team2.save()
    return user


def signing_deal(owner, *, solution=None, delivery=None, **fields) -> Opportunity:
    """A deal of ``owner`` in the signing stage (negotiation) with its SR and FR."""
    opp = opportunity(owner, stage_code="negotiation", **fields)
    triangle = {}
    if solution is not None:
        triangle["solution_owner"] = solution
    if delivery is not None:
        triangle["fulfillment_owner"] = delivery
    if triangle:
        opp = deals.update_opportunity(opportunity=opp, by=owner, **triangle)
    return opp


_OWNER_COST = object()


def cost_owner(deal):
    """Who enters a deal's costs in the tests: its SR, else the manager above its AR, else an
    administrator."""
    from ltc.org.models import User

    owner = deal.owner
    leader = owner.team.leader if owner.team_id and owner.team.leader_id else None
    return (
        deal.solution_owner
        or (leader if leader and leader.pk != owner.pk else None)
        or User.objects.filter(is_superuser=True).first()
    )


def draft(deal, by, *, cost=_OWNER_COST, **fields) -> Contract:
    """A draft contract. Its cost is entered by its owner (``cost_owner``) at 60% of the amount
    (a 40% margin, above the floor) unless ``cost`` says otherwise (``None``: no cost entered)."""
    fields.setdefault("amount", AMOUNT)
    fields.setdefault("payment_terms", TERMS)
    contract = services.create_contract(opportunity=deal, by=by, **fields)
    if cost is _OWNER_COST:
        cost = (Decimal(str(fields["amount"])) * Decimal("0.6")).quantize(Decimal("0.01"))
    if cost is not None and contract.cost_amount is None:
        contract = services.assess_contract_cost(
            contract=contract, by=cost_owner(contract.opportunity), cost_amount=cost
        )
    return contract


def submit(contract, org, by=None) -> Contract:
    """Into review with the triangle's three assessments, so a manager may approve it."""
    contract = services.submit_contract(
        contract=contract, by=by or org.rep1, relationship_assessment="The CIO signs"
    )
    deals.assess_review(review=contract.review, user=org.solution, solution_assessment="Fits")
    deals.assess_review(review=contract.review, user=org.delivery, delivery_assessment="On time")
    return contract


def approved(deal, org, **fields) -> Contract:
    contract = submit(draft(deal, org.rep1, **fields), org)
    return services.decide_contract(contract=contract, by=org.manager, approve=True)


def signed(deal, org, **fields) -> Contract:
    return services.sign_contract(contract=approved(deal, org, **fields), by=org.rep1)


def executing(deal, org, **fields) -> Contract:
    return services.accept_contract(contract=signed(deal, org, **fields), by=org.delivery)
