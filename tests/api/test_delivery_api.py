"""Orders, delivery units and revenue through the API: orders within the contract's amount, units
adding up to their order, shipping and acceptance moving the order, revenue recognised on
acceptance (never on shipment) in the month of the acceptance date, bulk acceptance all or none,
a manager's correction reversing it, the summary, bad input, and bounded lists."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from delivery import services
from delivery.models import DeliveryUnit, Order, OrderState, RevenueEntry, UnitState

from .test_contracts_api import contract_in

ORDERS = "/api/v1/orders/"
UNITS = "/api/v1/delivery-units/"
REVENUE = "/api/v1/revenue/"


def codes(body) -> set[str]:
    return {item["code"] for item in body["missing"]}


def last_month_day():
    """A day in the previous month (and its first day)."""
    day = timezone.localdate().replace(day=1) - timedelta(days=1)
    return day, day.replace(day=1)


def order_body(contract, amount="150000", number="PO-1", units=None, **extra) -> dict:
    """Two units: a site of two thirds and a shipment of the rest."""
    site = (Decimal(amount) * 2 / 3).quantize(Decimal("0.01"))
    units = units or [
        {"name": "Site A", "amount": str(site), "kind": "site"},
        {"name": "Site B", "amount": str(Decimal(amount) - site)},
    ]
    return {"contract": contract.pk, "number": number, "amount": amount, "units": units, **extra}


def placed_order(org, contract=None, *, amounts=("100000", "50000"), number="PO-1") -> Order:
    """An order of rep1's signed contract placed through the service, units in ``amounts``."""
    contract = contract or contract_in(org, "signed")
    return services.create_order(
        contract=contract,
        by=org.rep1,
        number=number,
        amount=sum(Decimal(a) for a in amounts),
        units=[{"name": f"Unit {i}", "amount": a} for i, a in enumerate(amounts, start=1)],
    )


def units_of(order) -> list[DeliveryUnit]:
    return list(order.units.order_by("id"))


# --- Orders -------------------------------------------------------------------------------------
def test_an_order_under_a_signed_contract_is_created_with_its_units(org, api):
    contract = contract_in(org, "signed")
    response = api("rep1").post(
        ORDERS, order_body(contract, order_date="2026-01-15"), format="json"
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["state"] == "open" and order["number"] == "PO-1"
    assert order["amount"] == "150000.00" and order["currency"] == contract.currency
    assert order["contract"] == contract.pk and order["order_date"] == "2026-01-15"
    assert order["remaining_on_contract"] == "150000.00"
    assert [(u["name"], u["amount"], u["kind"], u["state"]) for u in order["units"]] == [
        ("Site A", "100000.00", "site", "planned"),
        ("Site B", "50000.00", "shipment", "planned"),
    ]
    detail = api("delivery").get(f"{ORDERS}{order['id']}/")
    assert detail.status_code == 200
    assert [u["id"] for u in detail.json()["units"]] == [u["id"] for u in order["units"]]
    assert detail.json()["remaining_on_contract"] == "150000.00"


def test_an_order_above_the_contracts_remaining_amount_is_refused(org, api):
    contract = contract_in(org, "signed")
    response = api("rep1").post(ORDERS, order_body(contract, amount="300000.01"), format="json")
    assert response.status_code == 409, response.content
    assert codes(response.json()) == {"remaining_amount"}
    assert not Order.objects.exists()


def test_several_orders_cannot_together_exceed_the_contract(org, api):
    contract = contract_in(org, "signed")
    rep1 = api("rep1")
    assert rep1.post(ORDERS, order_body(contract, "200000"), format="json").status_code == 201
    second = rep1.post(ORDERS, order_body(contract, "100000", number="PO-2"), format="json")
    assert second.status_code == 201, second.content
    assert second.json()["remaining_on_contract"] == "0.00"
    third = rep1.post(
        ORDERS,
        order_body(contract, "1", number="PO-3", units=[{"name": "Spare", "amount": "1"}]),
        format="json",
    )
    assert third.status_code == 409
    assert "remaining_amount" in codes(third.json())
    assert services.ordered_total(contract) == Decimal("300000")


def test_units_not_adding_up_to_the_order_are_refused(org, api):
    contract = contract_in(org, "signed")
    body = order_body(contract, units=[{"name": "A", "amount": "100000"}])
    response = api("rep1").post(ORDERS, body, format="json")
    assert response.status_code == 400
    assert "units" in response.json()
    assert not Order.objects.exists()


@pytest.mark.parametrize("state", ["draft", "in_review", "approved"])
def test_an_order_on_an_unsigned_contract_is_refused(org, api, state):
    contract = contract_in(org, state)
    response = api("manager").post(ORDERS, order_body(contract), format="json")
    assert response.status_code == 409, response.content
    assert "contract_signed" in codes(response.json())
    assert not Order.objects.exists()


def test_a_duplicate_po_number_on_the_same_contract_names_the_number(org, api):
    contract = contract_in(org, "signed")
    rep1 = api("rep1")
    assert (
        rep1.post(
            ORDERS,
            order_body(contract, "1000", units=[{"name": "A", "amount": "1000"}]),
            format="json",
        ).status_code
        == 201
    )
    again = rep1.post(
        ORDERS, order_body(contract, "1000", units=[{"name": "A", "amount": "1000"}]), format="json"
    )
    assert again.status_code == 400 and "number" in again.json()


# --- Shipping, acceptance, revenue --------------------------------------------------------------
def test_shipping_and_accepting_by_the_fr_moves_the_order_to_delivered(org, api):
    order = placed_order(org)
    first, second = units_of(order)
    fr = api("delivery")

    shipped = fr.post(f"{UNITS}{first.pk}/ship/", {}, format="json")
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["state"] == "shipped"
    assert shipped.json()["shipped_on"] == timezone.localdate().isoformat()
    assert shipped.json()["order_state"] == "delivering"

    accepted = fr.post(f"{UNITS}{first.pk}/accept/", {"certificate": "AC-1"}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted" and accepted.json()["certificate"] == "AC-1"
    assert accepted.json()["accepted_by"] == org.delivery.pk
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERING

    assert fr.post(f"{UNITS}{second.pk}/ship/", {}, format="json").status_code == 200
    last = fr.post(f"{UNITS}{second.pk}/accept/", {"certificate": "AC-2"}, format="json")
    assert last.status_code == 200
    detail = fr.get(f"{ORDERS}{order.pk}/").json()
    assert detail["state"] == "delivered"
    assert {u["state"] for u in detail["units"]} == {"accepted"}


def test_a_planned_unit_cannot_be_accepted_and_an_accepted_one_not_shipped_again(org, api):
    order = placed_order(org)
    first, _ = units_of(order)
    fr = api("delivery")
    refused = fr.post(f"{UNITS}{first.pk}/accept/", {"certificate": "AC"}, format="json")
    assert refused.status_code == 409
    assert codes(refused.json()) == {f"unit_{first.pk}"}
    fr.post(f"{UNITS}{first.pk}/ship/", {}, format="json")
    fr.post(f"{UNITS}{first.pk}/accept/", {"certificate": "AC"}, format="json")
    again = fr.post(f"{UNITS}{first.pk}/ship/", {}, format="json")
    assert again.status_code == 409
    assert not RevenueEntry.objects.exclude(unit=first).exists()


def test_revenue_is_recognised_on_acceptance_in_the_month_of_its_date_not_on_shipment(org, api):
    order = placed_order(org)
    first, _ = units_of(order)
    day, period = last_month_day()
    fr = api("delivery")

    assert (
        fr.post(f"{UNITS}{first.pk}/ship/", {"date": day.isoformat()}, format="json").status_code
        == 200
    )
    assert api("finance").get(REVENUE).json()["count"] == 0  # shipped is not revenue
    accepted = fr.post(
        f"{UNITS}{first.pk}/accept/",
        {"certificate": "AC-7", "date": day.isoformat()},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["accepted_on"] == day.isoformat()

    ledger = api("finance").get(REVENUE).json()
    assert ledger["count"] == 1
    entry = ledger["results"][0]
    assert entry["kind"] == "recognition" and entry["amount"] == "100000.00"
    assert entry["currency"] == order.currency
    assert entry["recognised_on"] == day.isoformat() and entry["period"] == period.isoformat()
    assert (entry["unit"], entry["order"], entry["contract"]) == (
        first.pk,
        order.pk,
        order.contract_id,
    )
    by_period = api("finance").get(f"{REVENUE}?period={period:%Y-%m}").json()
    assert by_period["count"] == 1
    this_month = api("finance").get(f"{REVENUE}?period={timezone.localdate():%Y-%m}").json()
    assert this_month["count"] == 0


def test_an_acceptance_before_the_shipping_date_is_refused(org, api):
    order = placed_order(org)
    first, _ = units_of(order)
    day, _ = last_month_day()
    fr = api("delivery")
    fr.post(f"{UNITS}{first.pk}/ship/", {}, format="json")
    refused = fr.post(
        f"{UNITS}{first.pk}/accept/", {"certificate": "AC", "date": day.isoformat()}, format="json"
    )
    assert refused.status_code == 409
    assert codes(refused.json()) == {f"date_{first.pk}"}


def test_two_units_are_accepted_together_with_one_certificate(org, api):
    order = placed_order(org)
    first, second = units_of(order)
    fr = api("delivery")
    for unit in (first, second):
        assert fr.post(f"{UNITS}{unit.pk}/ship/", {}, format="json").status_code == 200
    response = fr.post(
        f"{UNITS}accept/", {"units": [second.pk, first.pk], "certificate": "AC-BULK"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [(u["id"], u["state"], u["certificate"]) for u in response.json()] == [
        (first.pk, "accepted", "AC-BULK"),
        (second.pk, "accepted", "AC-BULK"),
    ]
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERED
    assert RevenueEntry.objects.filter(note="AC-BULK").count() == 2


def test_a_bulk_acceptance_is_all_or_none(org, api):
    order = placed_order(org)
    first, second = units_of(order)
    fr = api("delivery")
    fr.post(f"{UNITS}{first.pk}/ship/", {}, format="json")  # the second stays planned
    response = fr.post(
        f"{UNITS}accept/", {"units": [first.pk, second.pk], "certificate": "AC"}, format="json"
    )
    assert response.status_code == 409
    assert codes(response.json()) == {f"unit_{second.pk}"}
    assert DeliveryUnit.objects.get(pk=first.pk).state == UnitState.SHIPPED
    assert not RevenueEntry.objects.exists()


def test_a_bulk_acceptance_naming_a_unit_the_caller_cannot_see_is_refused(org, api):
    order = placed_order(org)
    first, _ = units_of(order)
    services.ship_unit(unit=first, by=org.delivery)
    other = placed_order(org, contract_in(org, "signed", amount=Decimal("1000")), amounts=("1000",))
    response = api("delivery").post(
        f"{UNITS}accept/", {"units": [first.pk, 10**9], "certificate": "AC"}, format="json"
    )
    assert response.status_code == 400 and "units" in response.json()
    assert DeliveryUnit.objects.get(pk=first.pk).state == UnitState.SHIPPED
    rep3 = api("rep3").post(
        f"{UNITS}accept/",
        {"units": [units_of(other)[0].pk], "certificate": "AC"},
        format="json",
    )
    assert rep3.status_code == 400


def test_a_managers_correction_reverses_the_revenue_and_reopens_delivery(org, api):
    order = placed_order(org, amounts=("100000",))
    (unit,) = units_of(order)
    services.ship_unit(unit=unit, by=org.delivery)
    services.accept_unit(unit=unit, by=org.delivery, certificate="AC-1")
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERED

    refused = api("delivery").post(f"{UNITS}{unit.pk}/correct/", {"reason": "Wrong"}, format="json")
    assert refused.status_code == 403
    no_reason = api("manager").post(f"{UNITS}{unit.pk}/correct/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()

    corrected = api("manager").post(
        f"{UNITS}{unit.pk}/correct/", {"reason": "The certificate was unsigned."}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    body = corrected.json()
    assert body["state"] == "shipped" and body["certificate"] == "" and body["accepted_on"] is None
    assert body["order_state"] == "delivering"
    ledger = api("finance").get(f"{REVENUE}?contract={order.contract_id}").json()["results"]
    assert sorted((e["kind"], e["amount"]) for e in ledger) == [
        ("recognition", "100000.00"),
        ("reversal", "-100000.00"),
    ]


def test_the_revenue_summary_totals_months_per_currency_and_what_is_shipped_unaccepted(org, api):
    order = placed_order(org, amounts=("100000", "30000", "20000"))
    first, second, third = units_of(order)
    day, period = last_month_day()
    for unit in (first, second, third):
        services.ship_unit(unit=unit, by=org.delivery, on=day)
    services.accept_unit(unit=first, by=org.delivery, certificate="AC-1", on=day)
    services.accept_unit(unit=second, by=org.delivery, certificate="AC-2")

    response = api("finance").get(f"{REVENUE}summary/?year={period.year}")
    assert response.status_code == 200, response.content
    summary = response.json()
    currency = order.currency
    assert summary["year"] == period.year
    assert {"month": f"{period:%Y-%m}", "currency": currency, "amount": "100000.00"} in summary[
        "months"
    ]
    assert summary["delivered_not_accepted"] == [{"currency": currency, "amount": "20000.00"}]
    if timezone.localdate().year == period.year:
        assert summary["total"] == [{"currency": currency, "amount": "130000.00"}]
    assert api("rep3").get(f"{REVENUE}summary/").json()["delivered_not_accepted"] == []
    assert api("finance").get(f"{REVENUE}summary/?year=abc").status_code == 400
    assert api("finance").get(f"{REVENUE}summary/?year=99999").status_code == 400


# --- Lists and filters --------------------------------------------------------------------------
def test_orders_and_units_filter_by_contract_state_number_and_kind(org, api):
    contract = contract_in(org, "signed")
    order = placed_order(org, contract, amounts=("1000", "2000"), number="PO-ALPHA")
    placed_order(org, contract, amounts=("500",), number="PO-BETA")
    first, _ = units_of(order)
    services.ship_unit(unit=first, by=org.delivery)
    client = api("manager")

    assert client.get(f"{ORDERS}?contract={contract.pk}").json()["count"] == 2
    assert client.get(f"{ORDERS}?state=delivering").json()["count"] == 1
    assert client.get(f"{ORDERS}?number=alpha").json()["results"][0]["id"] == order.pk
    assert client.get(f"{ORDERS}?q=BETA").json()["count"] == 1
    assert client.get(f"{ORDERS}?q={contract.number}").json()["count"] == 2
    assert client.get(f"{UNITS}?order={order.pk}").json()["count"] == 2
    assert client.get(f"{UNITS}?contract={contract.pk}").json()["count"] == 3
    assert client.get(f"{UNITS}?state=shipped").json()["results"][0]["id"] == first.pk
    assert client.get(f"{UNITS}?kind=site").json()["count"] == 0
    assert client.get(f"{UNITS}?state=lost").status_code == 400
    # A contract and an order are picked by number (or id), as people know them; a number
    # that cannot be an id is refused.
    assert client.get(f"{ORDERS}?contract={contract.number}").json()["count"] == 2
    assert client.get(f"{ORDERS}?contract=abc").json()["count"] == 0
    assert client.get(f"{UNITS}?order=PO-ALPHA").json()["count"] == 2
    assert client.get(f"{ORDERS}?contract=-1").status_code == 400
    assert client.get(f"{REVENUE}?period=2026-13").status_code == 400
    assert client.get(f"{REVENUE}?period=0000-01").status_code == 400


# --- Bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"amount": "-5"},
        {"amount": "0"},
        {"amount": "abc"},
        {"amount": "1e400"},
        {"amount": "NaN"},
        {"number": ""},
        {"number": "N" * 10_000},
        {"contract": "abc"},
        {"contract": 10**12},
        {"order_date": "15/01/2026"},
        {"units": []},
        {"units": "many"},
        {"units": [{"name": "A"}]},
        {"units": [{"name": "A" * 10_000, "amount": "150000"}]},
        {"units": [{"name": "A", "amount": "150000"}, {"name": "B", "amount": "0.001"}]},
        {"units": [{"name": "A", "amount": "-150000"}]},
        {"units": [{"name": "A", "amount": "150000", "kind": "truck"}]},
        {"units": [1, 2]},
    ],
)
def test_bad_order_input_is_a_400(org, api, change):
    contract = contract_in(org, "signed")
    body = {**order_body(contract), **change}
    response = api("rep1").post(ORDERS, body, format="json")
    assert response.status_code == 400, response.content
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "path, body",
    [
        ("ship/", {"date": "tomorrow"}),
        ("ship/", {"date": "FUTURE"}),
        ("accept/", {"certificate": "AC", "date": "FUTURE"}),
        ("accept/", {}),
        ("accept/", {"certificate": ""}),
        ("accept/", {"certificate": "   "}),
        ("accept/", {"certificate": "C" * 10_000}),
        ("accept/", {"certificate": "AC", "date": "2026-02-30"}),
    ],
)
def test_bad_action_input_is_a_400(org, api, path, body):
    order = placed_order(org)
    first, _ = units_of(order)
    if path == "accept/":
        services.ship_unit(unit=first, by=org.delivery)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    body = {k: tomorrow if v == "FUTURE" else v for k, v in body.items()}
    response = api("delivery").post(f"{UNITS}{first.pk}/{path}", body, format="json")
    assert response.status_code == 400, response.content
    assert DeliveryUnit.objects.get(pk=first.pk).state != UnitState.ACCEPTED
    assert not RevenueEntry.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"units": [], "certificate": "AC"},
        {"units": "1", "certificate": "AC"},
        {"units": ["x"], "certificate": "AC"},
        {"units": [-1], "certificate": "AC"},
        {"units": [10**20], "certificate": "AC"},
        {"units": list(range(1, 1000)), "certificate": "AC"},
        {"units": [1]},
    ],
)
def test_bad_bulk_acceptance_input_is_a_400(org, api, body):
    response = api("delivery").post(f"{UNITS}accept/", body, format="json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    "url",
    [
        f"{ORDERS}abc/",
        f"{ORDERS}99999999999999999999/",
        f"{UNITS}abc/",
        f"{UNITS}-1/",
        f"{UNITS}abc/ship/",
        f"{UNITS}99999999999999999999/accept/",
        f"{UNITS}1.5/correct/",
    ],
)
def test_a_malformed_or_unknown_id_is_a_404(org, api, url):
    client = api("admin")
    response = client.get(url) if url.count("/") <= 5 else client.post(url, {}, format="json")
    assert response.status_code == 404, response.content


# --- Bounded lists ------------------------------------------------------------------------------
def _many_orders(org, count: int) -> None:
    """``count`` orders of one signed contract, two units each, one accepted with its revenue,
    made in bulk."""
    contract = contract_in(org, "signed", amount=Decimal("300000"))
    orders = Order.objects.bulk_create(
        [
            Order(
                contract=contract,
                number=f"PO-BULK-{i:05d}",
                amount=Decimal("10"),
                currency=contract.currency,
                order_date=timezone.localdate(),
                created_by=org.rep1,
            )
            for i in range(count)
        ]
    )
    units = DeliveryUnit.objects.bulk_create(
        [
            DeliveryUnit(order=o, name=f"{o.number}/{k}", amount=Decimal("5"))
            for o in orders
            for k in (1, 2)
        ]
    )
    today = timezone.localdate()
    RevenueEntry.objects.bulk_create(
        [
            RevenueEntry(
                unit=u,
                order_id=u.order_id,
                contract=contract,
                customer_id=contract.customer_id,
                kind=RevenueEntry.Kind.RECOGNITION,
                amount=u.amount,
                currency=contract.currency,
                recognised_on=today,
                period=today.replace(day=1),
            )
            for u in units[::2]
        ]
    )


@pytest.mark.parametrize("role", ["rep1", "manager", "finance", "delivery"])
@pytest.mark.parametrize("count", [5, 200])
def test_delivery_lists_run_a_bounded_number_of_queries(
    org, api, role, count, django_assert_max_num_queries
):
    _many_orders(org, count)
    client = api(role)
    # token, the team tree, COUNT(*), the page with its joins, the units
    with django_assert_max_num_queries(5):
        orders = client.get(f"{ORDERS}?page_size=200")
    assert orders.status_code == 200 and orders.json()["count"] == count
    assert all(len(row["units"]) == 2 for row in orders.json()["results"])
    with django_assert_max_num_queries(5):
        units = client.get(f"{UNITS}?page_size=200")
    assert units.status_code == 200 and units.json()["count"] == 2 * count
    with django_assert_max_num_queries(5):
        ledger = client.get(f"{REVENUE}?page_size=200")
    assert ledger.status_code == 200 and ledger.json()["count"] == count
    with django_assert_max_num_queries(5):
        summary = client.get(f"{REVENUE}summary/")
    assert summary.status_code == 200
