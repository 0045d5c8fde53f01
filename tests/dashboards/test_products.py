"""Orders and delivery units that name the contract's products, and the figures by product: won
amount and revenue by product family (with their drill-down), and the average discount off list
by rep and team, through the services, the API and the dashboard page."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from contracts import services as commercial
from dashboards import drilldown, product_figures
from dashboards.params import figure_request
from dashboards.periods import parse_period
from dashboards.scope import resolve_scope
from delivery import services as delivery
from ltc.core.errors import InvalidInput

from ..contracts.steps import (
    NOW,
    ON_ACCEPTANCE,
    TODAY,
    product_id,
    signed,
    signing_deal,
    standard_book,
)

pytestmark = pytest.mark.django_db
YEAR = parse_period(str(TODAY.year))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sold(org, frozen):
    """rep1's deal quoted 2 servers at list (2,000) and a licence 20% off (800), approved, sent;
    the contract of 2,800 signed from it; an order of one unit of 2,000 delivering the servers,
    accepted (800 is left to order)."""
    deal = signing_deal(org.rep1, solution=org.solution, delivery=org.delivery)
    quote = commercial.create_quote(
        opportunity=deal,
        by=org.rep1,
        valid_until=TODAY + timedelta(days=30),
        price_book=standard_book(),
        lines=[
            {"product": product_id("SRV-1"), "quantity": "2"},
            {"product": product_id("LIC"), "quantity": "1", "discount_percent": "20"},
        ],
    )
    commercial.submit_quote(quote=quote, by=org.rep1)
    commercial.decide_quote(quote=quote, by=org.manager, approve=True)
    commercial.send_quote(quote=quote, by=org.rep1)
    contract = signed(deal, org, amount="2800", quote=quote, payment_terms=ON_ACCEPTANCE)
    order = delivery.create_order(
        contract=contract,
        by=org.delivery,
        number="PO-1",
        amount="2000",
        units=[{"name": "Servers", "amount": "2000", "product": product_id("SRV-1")}],
    )
    unit = order.units.get(name="Servers")
    delivery.ship_unit(unit=unit, by=org.delivery)
    delivery.accept_unit(unit=unit, by=org.delivery, certificate="AC-1")
    return contract


def test_a_unit_names_only_a_product_of_the_contracts_quote(org, sold, api):
    assert sold.orders.get().units.get(name="Servers").product_id == product_id("SRV-1")
    with pytest.raises(InvalidInput) as invalid:
        delivery.create_order(
            contract=sold,
            by=org.delivery,
            number="PO-2",
            amount="1",
            units=[{"name": "Other", "amount": "1", "product": product_id("INST")}],
        )
    assert invalid.value.field == "units"
    body = {
        "contract": sold.pk,
        "number": "PO-3",
        "amount": "1",
        "units": [{"name": "x", "amount": "1", "product": product_id("PLC-9")}],
    }
    assert api("delivery").post("/api/v1/orders/", body, format="json").status_code == 400


def test_won_and_revenue_are_reported_by_product_family(org, sold):
    from django.utils import translation

    with translation.override("en"):
        figure = product_figures.products(resolve_scope(org.manager), YEAR, currency="CNY")
    (hardware,) = figure["families"]  # every product of the test catalogue is "Hardware"
    assert (hardware["name"], hardware["won"], hardware["revenue"]) == (
        "Hardware",
        Decimal("2800.00"),
        Decimal("2000.00"),
    )
    assert figure["won_total"] == Decimal("2800.00")


def test_the_average_discount_off_list_is_by_rep_and_team(org, sold):
    figure = product_figures.products(resolve_scope(org.manager), YEAR, currency="CNY")
    (rep,) = figure["discount_by_owner"]
    # 200 off a 3,000 list total.
    assert (rep["key"], rep["quotes"], rep["average_discount"]) == (
        org.rep1.pk,
        1,
        Decimal("6.67"),
    )
    (team,) = figure["discount_by_team"]
    assert team["key"] == org.team1.pk and team["average_discount"] == Decimal("6.67")


def test_the_family_and_discount_bars_drill_down_to_their_deals(org, sold):
    figure = figure_request(org.manager, {"period": str(TODAY.year)})
    family = product_figures.products(figure.scope, figure.period)["families"][0]["family"]
    kind, deals = drilldown.records(figure, "family", str(family))
    assert list(deals) == [sold.opportunity]
    kind, deals = drilldown.records(figure, "discount_owner", str(org.rep1.pk))
    assert list(deals) == [sold.opportunity]
    kind, deals = drilldown.records(figure, "discount_team", str(org.team2.pk))
    assert not deals.exists()
    with pytest.raises(InvalidInput):
        drilldown.records(figure, "family", "x")


def test_another_team_sees_nothing_of_it(org, sold):
    from ..contracts.steps import team2_manager

    figure = product_figures.products(resolve_scope(team2_manager(org)), YEAR, currency="CNY")
    assert figure["families"] == [] and figure["discount_by_owner"] == []


def test_the_api_and_the_dashboard_show_the_figures(
    org, sold, api, browser_as, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        answer = api("manager").get(f"/api/v1/dashboard/products/?period={TODAY.year}")
    assert answer.status_code == 200 and answer.json()["won_total"] == "2800.00"
    client = browser_as("manager")
    with django_assert_max_num_queries(120):
        page = client.get(f"/dashboards/?period={TODAY.year}")
    html = page.content.decode()
    assert 'id="products"' in html and 'id="table-product_families"' in html
    assert "chart-products" in html and "figure=family" in html
    drill = client.get(f"/dashboards/records/?period={TODAY.year}&figure=family&key=")
    assert drill.status_code == 200


def test_the_order_form_offers_the_contracts_products_for_its_units(org, sold, browser_as):
    client = browser_as("delivery")
    url = f"/delivery/orders/new/{sold.pk}/"
    form = client.get(url).context["formset"].forms[0]
    offered = {value for value, _label in form.fields["product"].choices if value}
    assert offered == {product_id("SRV-1"), product_id("LIC")}
    data = {
        "number": "PO-9",
        "amount": "1",
        "order_date": str(TODAY),
        "units-TOTAL_FORMS": "1",
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "500",
        "units-0-name": "Licence key",
        "units-0-kind": "shipment",
        "units-0-amount": "1",
        "units-0-product": str(product_id("LIC")),
    }
    assert client.post(url, data).status_code == 302
    unit = sold.orders.get(number="PO-9").units.get()
    assert unit.product_id == product_id("LIC")
    page = client.get(f"/delivery/orders/{unit.order_id}/").content.decode()
    assert "LIC" in page


@pytest.mark.parametrize("table", ["product_families", "discount_owner", "discount_team"])
def test_every_product_number_is_the_count_or_sum_of_its_records(org, sold, table, browser_as):
    """Won by family is each listed contract's share of the family; revenue, the entries of
    the family's units; the discount tables, the quotes sent (count, list total, discount)."""
    from .generated import check_pages, check_table

    query = {"period": str(TODAY.year)}
    figure = figure_request(org.manager, query)
    assert check_table(figure, table) > 0
    assert check_pages(browser_as("manager"), figure, table, query) > 0
