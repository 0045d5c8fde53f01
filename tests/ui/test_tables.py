"""List pages sort by their column headers (whitelisted columns only), keep their filters while
sorting, and say what to do when they are empty."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ..factories import CustomerFactory, LeadFactory, opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def titles(response) -> list[str]:
    return [lead.title for lead in response.context["page"].object_list]


def test_the_pool_sorts_by_amount_both_ways_and_otherwise_by_score(browser_as, org):
    for title, amount in (("Small", "1000"), ("Big", "900000"), ("Mid", "50000")):
        LeadFactory(pool=org.default_pool, title=title, estimated_amount=Decimal(amount))
    client = browser_as("rep1")
    url = reverse("leads:pool")
    # Without a sort, the page's own order: best score first.
    scores = [lead.score for lead in client.get(url).context["page"].object_list]
    assert scores == sorted(scores, reverse=True)
    assert titles(client.get(url, {"sort": "amount"})) == ["Small", "Mid", "Big"]
    assert titles(client.get(url, {"sort": "-amount"})) == ["Big", "Mid", "Small"]


def test_an_unknown_sort_key_is_ignored(browser_as, org):
    LeadFactory(pool=org.default_pool)
    response = browser_as("rep1").get(reverse("leads:pool"), {"sort": "owner__password"})
    assert response.status_code == 200
    assert response.context["sorting"].key == ""


def test_the_header_link_keeps_the_filters_and_flips_the_direction(browser_as, org):
    LeadFactory(pool=org.default_pool, title="Kiln")
    page = (
        browser_as("rep1")
        .get(reverse("leads:pool"), {"q": "Kiln", "sort": "amount", "page": "1"})
        .content.decode()
    )
    assert 'aria-sort="ascending"' in page
    assert "?q=Kiln&amp;sort=-amount" in page  # the next click sorts descending, page reset
    assert "?q=Kiln&amp;sort=score" in page


@pytest.mark.parametrize(
    "name, key",
    [
        ("opportunities:list", "amount"),
        ("contracts:contract_list", "amount"),
        ("delivery:order_list", "amount"),
        ("customers:list", "name"),
        ("leads:list", "due"),
        ("leads:mine", "state"),
    ],
)
@pytest.mark.parametrize("direction", ["", "-"])
def test_every_list_sorts_by_its_headers(browser_as, org, name, key, direction):
    opportunity(org.rep1, amount=Decimal("400000"))
    opportunity(org.rep1, amount=Decimal("250000"))
    response = browser_as("manager").get(reverse(name), {"sort": direction + key})
    assert response.status_code == 200
    assert response.context["sorting"].key == key
    assert response.context["sorting"].descending == (direction == "-")


def test_opportunities_sort_by_amount(browser_as, org):
    opportunity(org.rep1, name="Mid", amount=Decimal("400000"))
    opportunity(org.rep1, name="Low", amount=Decimal("250000"))
    opportunity(org.rep1, name="High", amount=Decimal("900000"))
    response = browser_as("rep1").get(reverse("opportunities:list"), {"sort": "-amount"})
    assert [o.name for o in response.context["page"].object_list] == ["High", "Mid", "Low"]


def test_customers_sort_by_their_contact_count(browser_as, org):
    from ..factories import ContactFactory

    few = CustomerFactory(name="Few", owner=org.rep1, team=org.team1)
    many = CustomerFactory(name="Many", owner=org.rep1, team=org.team1)
    ContactFactory(customer=few)
    for _ in range(3):
        ContactFactory(customer=many)
    response = browser_as("rep1").get(reverse("customers:list"), {"sort": "-contacts"})
    assert [c.name for c in response.context["page"].object_list][:2] == ["Many", "Few"]


@pytest.mark.parametrize(
    "name, text",
    [
        ("leads:mine", "Claim one from the pool"),
        ("opportunities:list", "No opportunity matches"),
        ("contracts:contract_list", "No contract matches"),
        ("delivery:order_list", "No order matches"),
    ],
)
def test_empty_lists_say_what_to_do(browser_as, name, text):
    assert text in browser_as("rep3").get(reverse(name)).content.decode()


@pytest.mark.parametrize("rows", [3, 40])
def test_sorting_keeps_the_query_count_fixed(browser_as, org, rows, django_assert_max_num_queries):
    for n in range(rows):
        opportunity(org.rep1, name=f"Deal {n}", amount=Decimal(200000 + n))
    client = browser_as("rep1")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("opportunities:list"), {"sort": "-customer"}).status_code == 200
