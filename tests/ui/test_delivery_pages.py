"""The order, delivery and revenue pages in the browser: each role sees what its scope allows, the
order form keeps the input on a refusal, the FR ships and accepts, a manager corrects, and the
lists run a bounded number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from delivery import services
from delivery.models import DeliveryUnit, Order, OrderState, RevenueEntry, UnitState

from ..conftest import ROLES
from ..contracts.steps import signed, signing_deal
from ..pages import walk
from ..profiles import FULL

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# rep1's deal with "solution" as SR and "delivery" as FR: orders are seen by whoever sees the
# contract (the triangle, team 1's manager, the company-wide roles and finance).
SEES_THE_CONTRACT = {"admin", "manager", "rep1", "solution", "delivery", "integration", "finance"}
PAGES = ("delivery:mine", "delivery:order_list", "delivery:revenue")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def contract(org):
    """A signed contract of 300,000 CNY on rep1's deal (FR: ``delivery``)."""
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    return signed(deal, org)


def _order(contract, by, number="PO-1", amounts=("100000", "100000")) -> Order:
    return services.create_order(
        contract=contract,
        by=by,
        number=number,
        amount=sum(Decimal(a) for a in amounts),
        units=[
            {"name": f"Site {i}", "kind": "site", "amount": a} for i, a in enumerate(amounts, 1)
        ],
    )


def _units(order) -> list[DeliveryUnit]:
    return list(DeliveryUnit.objects.filter(order=order).order_by("id"))


def _order_data(number, amount, units) -> dict:
    data = {
        "number": number,
        "amount": amount,
        "order_date": timezone.localdate().isoformat(),
        "units-TOTAL_FORMS": str(len(units) + 1),
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "1000",
    }
    for i, (name, kind, unit_amount) in enumerate(units):
        data[f"units-{i}-name"] = name
        data[f"units-{i}-kind"] = kind
        data[f"units-{i}-amount"] = unit_amount
    data[f"units-{len(units)}-kind"] = "site"  # an untouched row, as the browser posts it
    return data


# Every page, every role ------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_delivery_page_renders_for_each_role_by_scope(browser_as, org, contract, role):
    order = _order(contract, org.rep1)
    client = browser_as(role)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    status = 200 if role in SEES_THE_CONTRACT else 404
    assert client.get(reverse("delivery:order_detail", args=[order.pk])).status_code == status
    assert client.get(reverse("delivery:order_create", args=[contract.pk])).status_code == status
    response = client.get(reverse("contracts:contract_detail", args=[contract.pk]))
    assert response.status_code == status


def test_the_contract_page_lists_its_orders_and_offers_a_new_one(browser_as, org, contract):
    order = _order(contract, org.rep1)
    url = reverse("contracts:contract_detail", args=[contract.pk])
    page = browser_as("rep1").get(url, **EN).content.decode()
    assert reverse("delivery:order_detail", args=[order.pk]) in page
    assert reverse("delivery:order_create", args=[contract.pk]) in page
    assert "100,000.00 CNY left to order" in page
    finance = browser_as("finance").get(url).content.decode()
    assert reverse("delivery:order_detail", args=[order.pk]) in finance
    assert reverse("delivery:order_create", args=[contract.pk]) not in finance


def test_the_menu_offers_deliveries_orders_and_revenue_by_role(browser_as, org):
    links = {name: f'href="{reverse(name)}"' for name in PAGES}
    expected = {
        "delivery": {"delivery:mine", "delivery:order_list"},
        "manager": set(PAGES),
        "finance": {"delivery:order_list", "delivery:revenue"},
        "admin": {"delivery:order_list", "delivery:revenue"},
        "rep1": {"delivery:order_list"},
        "marketing": set(),
    }
    for role, names in expected.items():
        page = browser_as(role).get(reverse("home")).content.decode()
        assert {name for name, link in links.items() if link in page} == names, role


def test_actions_accept_post_only(browser_as, org, contract):
    unit = _units(_order(contract, org.rep1))[0]
    client = browser_as("delivery")
    for name in ("unit_ship", "unit_accept", "unit_correct"):
        assert client.get(reverse(f"delivery:{name}", args=[unit.pk])).status_code == 405
    assert client.get(reverse("delivery:units_accept")).status_code == 405


# Placing an order ------------------------------------------------------------------------------
def test_an_order_is_placed_through_the_form_with_its_units(browser_as, org, contract):
    url = reverse("delivery:order_create", args=[contract.pk])
    form = browser_as("rep1").get(url, **EN)
    assert "300,000.00 CNY" in form.content.decode()  # what is left to order
    data = _order_data(
        "PO-7", "150000", [("Site A", "site", "100000"), ("Cluster 1", "cluster", "50000")]
    )
    response = browser_as("rep1").post(url, data)
    order = Order.objects.get(contract=contract, number="PO-7")
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:order_detail", args=[order.pk])
    assert [(u.name, u.kind, u.amount) for u in _units(order)] == [
        ("Site A", "site", Decimal("100000.00")),
        ("Cluster 1", "cluster", Decimal("50000.00")),
    ]


def test_units_not_adding_up_to_the_order_show_the_error_and_keep_the_input(
    browser_as, org, contract
):
    url = reverse("delivery:order_create", args=[contract.pk])
    data = _order_data(
        "PO-7", "200000", [("Site A", "site", "100000"), ("Site B", "site", "50000")]
    )
    response = browser_as("rep1").post(url, data, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "they must add up to the order" in page
    assert 'value="PO-7"' in page and 'value="Site B"' in page and 'value="50000"' in page
    assert not Order.objects.exists()


def test_an_order_above_the_remaining_amount_is_refused_keeping_the_input(
    browser_as, org, contract
):
    _order(contract, org.rep1, amounts=("200000",))
    url = reverse("delivery:order_create", args=[contract.pk])
    data = _order_data("PO-8", "150000", [("Site C", "site", "150000")])
    response = browser_as("rep1").post(url, data, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The order cannot be placed." in page
    assert "At most 100000.00 CNY is left to order on this contract." in page
    assert 'value="PO-8"' in page and 'value="Site C"' in page
    assert not Order.objects.filter(number="PO-8").exists()


# Shipping and acceptance -----------------------------------------------------------------------
def test_the_fr_ships_and_accepts_two_units_with_one_certificate(browser_as, org, contract):
    order = _order(contract, org.rep1)
    first, second = _units(order)
    client = browser_as("delivery")
    mine = client.get(reverse("delivery:mine")).content.decode()
    assert order.number in mine and first.name in mine
    for unit in (first, second):
        response = client.post(
            reverse("delivery:unit_ship", args=[unit.pk]), {"on": timezone.localdate()}
        )
        assert response.status_code == 302
    assert {u.state for u in _units(order)} == {UnitState.SHIPPED}
    mine = client.get(reverse("delivery:mine")).content.decode()
    assert f'name="units" value="{first.pk}"' in mine
    assert f'name="units" value="{second.pk}"' in mine
    response = client.post(
        reverse("delivery:units_accept"),
        {
            "units": [first.pk, second.pk],
            "certificate": "AC-2030-001",
            "on": timezone.localdate().isoformat(),
        },
        follow=True,
        **EN,
    )
    assert "2 units accepted with one certificate" in _messages(response)
    units = _units(order)
    assert {(u.state, u.certificate) for u in units} == {(UnitState.ACCEPTED, "AC-2030-001")}
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERED
    assert RevenueEntry.objects.filter(order=order).count() == 2
    revenue = browser_as("finance").get(reverse("delivery:revenue"), **EN).content.decode()
    assert "200,000.00 CNY" in revenue
    assert "AC-2030-001" in revenue


def test_a_rep_gets_no_ship_or_accept_buttons_and_a_post_is_refused(browser_as, org, contract):
    order = _order(contract, org.rep1)
    first, second = _units(order)
    services.ship_unit(unit=second, by=org.delivery)
    client = browser_as("rep1")
    page = client.get(reverse("delivery:order_detail", args=[order.pk])).content.decode()
    assert reverse("delivery:unit_ship", args=[first.pk]) not in page
    assert reverse("delivery:unit_accept", args=[second.pk]) not in page
    assert reverse("delivery:units_accept") not in page
    response = client.post(reverse("delivery:unit_ship", args=[first.pk]), follow=True, **EN)
    assert "The FR of the deal (or a manager) ships its units." in _messages(response)
    response = client.post(
        reverse("delivery:unit_accept", args=[second.pk]),
        {"certificate": "AC-1"},
        follow=True,
        **EN,
    )
    assert "accepts its units" in _messages(response)
    assert [u.state for u in _units(order)] == [UnitState.PLANNED, UnitState.SHIPPED]
    fr_page = browser_as("delivery").get(reverse("delivery:order_detail", args=[order.pk]))
    assert reverse("delivery:unit_ship", args=[first.pk]) in fr_page.content.decode()


def test_the_manager_corrects_an_acceptance_with_a_reason(browser_as, org, contract):
    order = _order(contract, org.rep1, amounts=("100000",))
    (unit,) = _units(order)
    services.ship_unit(unit=unit, by=org.delivery)
    services.accept_units(units=[unit], by=org.delivery, certificate="AC-9")
    url = reverse("delivery:unit_correct", args=[unit.pk])
    fr_page = browser_as("delivery").get(reverse("delivery:order_detail", args=[order.pk]))
    assert url not in fr_page.content.decode()
    client = browser_as("manager")
    page = client.get(reverse("delivery:order_detail", args=[order.pk])).content.decode()
    assert url in page and "data-confirm=" in page
    refused = client.post(url, {"reason": ""}, follow=True, **EN)
    assert "Why is the acceptance corrected?" in _messages(refused)
    response = client.post(url, {"reason": "Certificate signed by the wrong site"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("delivery:order_detail", args=[order.pk])
    unit = DeliveryUnit.objects.get(pk=unit.pk)
    assert (unit.state, unit.certificate) == (UnitState.SHIPPED, "")
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERING
    reversal = RevenueEntry.objects.get(unit=unit, kind=RevenueEntry.Kind.REVERSAL)
    assert reversal.amount == Decimal("-100000.00")
    assert "Certificate signed by the wrong site" in response.content.decode()


def test_a_rep_of_another_team_gets_404_on_an_order_and_its_actions(browser_as, org, contract):
    order = _order(contract, org.rep1)
    unit = _units(order)[0]
    client = browser_as("rep3")
    assert client.get(reverse("delivery:order_detail", args=[order.pk])).status_code == 404
    assert client.get(reverse("delivery:order_create", args=[contract.pk])).status_code == 404
    for name in ("unit_ship", "unit_accept", "unit_correct"):
        assert client.post(reverse(f"delivery:{name}", args=[unit.pk])).status_code == 404
    assert order.number not in client.get(reverse("delivery:order_list")).content.decode()
    assert order.number not in client.get(reverse("delivery:mine")).content.decode()


# Lists and bounded queries ---------------------------------------------------------------------
def _many_orders(org, contract, rows: int) -> None:
    """``rows`` orders of one unit each: all shipped, half of them accepted (one certificate)."""
    units = []
    for i in range(rows):
        order = _order(contract, org.rep1, number=f"PO-{i:03}", amounts=("1000",))
        units.extend(_units(order))
    for unit in units:
        services.ship_unit(unit=unit, by=org.delivery)
    services.accept_units(units=units[: rows // 2], by=org.delivery, certificate="AC-BULK")


# Two sizes: the same pinned count for both proves it flat. The second is past the pin (a query
# per row would break it) and, in the full profile, past a page (tests/profiles.py).
@pytest.mark.parametrize("rows", [5, 100 if FULL else 30])
def test_the_delivery_lists_run_a_bounded_number_of_queries(
    browser_as, org, contract, rows, django_assert_max_num_queries
):
    _many_orders(org, contract, rows)
    for name in ("delivery", "manager", "finance", "admin"):
        client = browser_as(name)
        for page in PAGES:
            with django_assert_max_num_queries(9):
                assert client.get(reverse(page)).status_code == 200
    mine = walk(browser_as("delivery"), reverse("delivery:mine"))
    assert len({unit.order_id for unit in mine}) == rows - rows // 2
    listing = walk(browser_as("finance"), reverse("delivery:order_list"))
    assert len(listing) == len({o.pk for o in listing}) == rows
    revenue = browser_as("finance").get(reverse("delivery:revenue"))
    (month,) = revenue.context["months"]
    assert month["net"] == Decimal("1000") * (rows // 2)
    (waiting,) = revenue.context["not_accepted"]
    assert waiting["count"] == rows - rows // 2


# Two sizes: the same pinned count for both proves it flat. The second is past the pin (a query
# per row would break it) and, in the full profile, past a page (tests/profiles.py).
@pytest.mark.parametrize("rows", [5, 100 if FULL else 30])
def test_the_order_page_runs_a_bounded_number_of_queries(
    browser_as, org, contract, rows, django_assert_max_num_queries
):
    order = _order(contract, org.rep1, amounts=("100",) * rows)
    units = _units(order)
    for unit in units:
        services.ship_unit(unit=unit, by=org.delivery)
    services.accept_units(units=units[: rows // 2], by=org.delivery, certificate="AC-1")
    services.correct_acceptance(unit=units[0], by=org.manager, reason="Wrong site")
    for name in ("delivery", "manager", "finance"):
        client = browser_as(name)
        # 14: the page, its units with their products, the planned activities panel, the
        # files panel and the complaints panel (one query each, whatever the rows)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("delivery:order_detail", args=[order.pk]))
        assert len(response.context["units"]) == rows


def test_the_order_list_filters_by_state_contract_and_search(browser_as, org, contract):
    first = _order(contract, org.rep1, number="PO-ALPHA", amounts=("1000",))
    _order(contract, org.rep1, number="PO-BETA", amounts=("1000",))
    services.ship_unit(unit=_units(first)[0], by=org.delivery)
    client = browser_as("finance")

    def numbers(**params) -> set[str]:
        response = client.get(reverse("delivery:order_list"), params)
        return {order.number for order in response.context["page"].object_list}

    assert numbers() == {"PO-ALPHA", "PO-BETA"}
    assert numbers(state="delivering") == {"PO-ALPHA"}
    assert numbers(q="beta") == {"PO-BETA"}
    assert numbers(contract=contract.pk) == {"PO-ALPHA", "PO-BETA"}
