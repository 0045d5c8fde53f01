"""Business dates fall in a sane window (not before 2000, not more than a year ahead unless the
field says otherwise): one rule, refused with 400 naming the field by the services, the API and
the forms alike."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services
from billing.forms import PaymentForm
from ltc.core.dates import EARLIEST, LONG_AHEAD_DAYS, business_date_problem
from ltc.core.errors import InvalidInput
from opportunities import services as deal_services

from ..factories import CustomerFactory
from .steps import ON_ACCEPTANCE, accepted_order, issued


@pytest.fixture
def terms():
    return ON_ACCEPTANCE


@pytest.fixture
def owed(org, contract):
    return issued(org.finance, "1000", order=accepted_order(contract, org, amounts=("1000",)))


def test_the_window_runs_from_2000_to_a_year_ahead():
    today = timezone.localdate()
    assert business_date_problem(EARLIEST) is None
    assert business_date_problem(today + timedelta(days=366)) is None
    assert business_date_problem(date(1999, 12, 31))
    assert business_date_problem(date(1, 1, 1))
    assert business_date_problem(today + timedelta(days=367))
    assert business_date_problem(date(9999, 12, 31))
    assert business_date_problem(today + timedelta(days=1000), ahead_days=LONG_AHEAD_DAYS) is None


@pytest.mark.parametrize("received_on", [date(1999, 12, 31), date(1, 1, 1)])
def test_the_service_refuses_a_payment_received_before_2000(org, owed, received_on):
    with pytest.raises(InvalidInput) as refused:
        services.record_payment(
            by=org.finance,
            customer=owed.customer,
            amount=Decimal("100"),
            currency="CNY",
            reference="BANK-OLD",
            received_on=received_on,
        )
    assert refused.value.field == "date"
    assert "2000-01-01" in str(refused.value.detail)


def test_the_api_refuses_a_payment_dated_before_2000_naming_the_field(org, owed, api):
    body = {
        "customer": owed.customer_id,
        "amount": "100",
        "currency": "CNY",
        "reference": "BANK-OLD",
        "date": "0202-05-01",
    }
    response = api("finance").post("/api/v1/payments/", body, format="json")
    assert response.status_code == 400
    assert "date" in response.json()


def test_the_payment_form_refuses_a_date_before_2000():
    form = PaymentForm(
        {"amount": "100", "currency": "CNY", "received_on": "1999-12-31", "reference": "B-1"}
    )
    assert not form.is_valid()
    assert "received_on" in form.errors


def test_an_expected_close_date_may_be_years_ahead_but_not_centuries(org):
    customer = CustomerFactory(owner=org.rep1, team=org.rep1.team)
    today = timezone.localdate()
    deal = deal_services.create_opportunity(
        by=org.rep1,
        customer=customer,
        name="Three-year programme",
        amount=Decimal("500000"),
        expected_close_date=today + timedelta(days=3 * 365),
    )
    assert deal.pk
    with pytest.raises(InvalidInput) as refused:
        deal_services.create_opportunity(
            by=org.rep1,
            customer=customer,
            name="Typo",
            amount=Decimal("500000"),
            expected_close_date=date(2205, 5, 1),
        )
    assert refused.value.field == "expected_close_date"
    with pytest.raises(InvalidInput):
        deal_services.update_opportunity(opportunity=deal, by=org.rep1, bid_date=date(2205, 5, 1))
