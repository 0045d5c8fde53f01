"""Issue 15, part 5: changes to customer master data and to a deal's figures and owners are kept
as a readable field history (who, when, from, to) on the record's page and in the API, for
whoever sees the record — and for nobody else."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ltc.audit.context import audit_context
from ltc.audit.models import AuditEntry
from ltc.customers.models import Customer
from opportunities.models import Opportunity

from ..conftest import ROLES
from ..factories import opportunity
from ..pages import deal_page, deal_panel

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.language = "en"  # the API answers in its user's language
    user.save()
    return user


@pytest.fixture
def people(org):
    named(org.rep1, "Wei", "Zhang")
    named(org.rep2, "Yang", "Liu")
    named(org.solution, "Hao", "Sun")
    named(org.manager, "Jianguo", "Wang")
    return org


@pytest.fixture
def deal(people):
    return opportunity(people.rep1, amount=Decimal("300000"), name="MES upgrade")


def rows(response) -> dict[str, dict]:
    """The newest entry per field."""
    newest = {}
    for row in response.json()["results"]:
        newest.setdefault(row["field"], row)
    return newest


def test_editing_a_deals_amount_close_date_and_owners_writes_a_readable_history(
    org, deal, api, browser_as
):
    rep = api("rep1")
    edited = rep.patch(
        f"/api/v1/opportunities/{deal.pk}/",
        {
            "amount": "1500000",
            "expected_close_date": "2031-03-31",
            "solution_owner": org.solution.pk,
        },
        format="json",
    )
    assert edited.status_code == 200, edited.content
    # The owner changes (no screen reassigns a deal today; whatever saves it is tracked, here a
    # task acting for the manager).
    with audit_context(source="task:reassign", actor=org.manager):
        moved = Opportunity.objects.get(pk=deal.pk)
        moved.owner = org.rep2
        moved.save()

    history = api("manager").get(f"/api/v1/opportunities/{deal.pk}/field-history/", **EN)

    assert history.status_code == 200, history.content
    changed = rows(history)
    amount = changed["amount"]
    assert (amount["old_value"], amount["new_value"]) == ("300000.00", "1500000.00")
    assert (amount["old_display"], amount["new_display"]) == ("300,000.00", "1,500,000.00")
    assert (amount["actor"], amount["actor_name"], amount["source"]) == ("rep1", "Wei Zhang", "api")
    assert amount["field_label"] == "Amount"
    closing = changed["expected_close_date"]
    assert closing["new_value"] == "2031-03-31" and "2031" in closing["new_display"]
    assert changed["solution_owner_id"]["new_display"] == "Hao Sun"
    owner = changed["owner_id"]
    assert (owner["old_display"], owner["new_display"]) == ("Wei Zhang", "Yang Liu")
    assert (owner["actor_name"], owner["source"]) == ("Jianguo Wang", "task:reassign")
    # Regraded by the amount: the choice's label, not its code.
    assert (changed["grade"]["new_value"], changed["grade"]["new_display"]) == (
        "B",
        "B: large (full process)",
    )

    manager = browser_as("manager")
    html = deal_page(manager, deal.pk, **EN)
    assert 'id="field-history"' in html
    for text in ("300,000.00", "1,500,000.00", "Wei Zhang", "Yang Liu", "Hao Sun", "Jianguo Wang"):
        assert text in html, text
    page = deal_panel(manager, deal.pk, "history", **EN)
    assert page.context["field_history"][0].field == "owner_id"


def test_customer_master_data_changes_are_in_its_history(org, people, api, browser_as):
    customer = opportunity(people.rep1, name="Press line").customer
    changed = api("rep1").patch(
        f"/api/v1/customers/{customer.pk}/",
        {"name": "恒拓重工集团", "tax_id": "91310000MA1FL0001X", "address": "上海市浦东新区 88 号"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["tax_id"] == "91310000MA1FL0001X"
    with audit_context(source="admin", actor=org.admin):
        customer = Customer.objects.get(pk=customer.pk)
        customer.owner = org.rep2
        customer.save()

    history = rows(api("rep1").get(f"/api/v1/customers/{customer.pk}/field-history/", **EN))
    assert history["name"]["new_display"] == "恒拓重工集团"
    assert history["name"]["old_value"].startswith("Customer ")
    assert (history["tax_id"]["old_display"], history["tax_id"]["new_display"]) == (
        "—",
        "91310000MA1FL0001X",
    )
    assert history["owner_id"]["new_display"] == "Yang Liu"
    page = browser_as("manager").get(reverse("customers:detail", args=[customer.pk]), **EN)
    html = page.content.decode()
    for text in ("恒拓重工集团", "91310000MA1FL0001X", "上海市浦东新区 88 号", "Yang Liu"):
        assert text in html, text


@pytest.mark.parametrize("role", ROLES)
def test_a_records_history_is_read_by_whoever_sees_the_record(org, deal, api, role):
    api("rep1").patch(f"/api/v1/opportunities/{deal.pk}/", {"amount": "400000"}, format="json")
    user = org.user(role)
    sees_deal = Opportunity.objects.visible_to(user).filter(pk=deal.pk).exists()
    sees_customer = Customer.objects.visible_to(user).filter(pk=deal.customer_id).exists()
    client = api(role)

    deal_history = client.get(f"/api/v1/opportunities/{deal.pk}/field-history/")
    customer_history = client.get(f"/api/v1/customers/{deal.customer_id}/field-history/")

    assert deal_history.status_code == (200 if sees_deal else 404)
    assert customer_history.status_code == (200 if sees_customer else 404)
    if role in ("rep2", "rep3"):  # not their deal; rep3 is another team
        assert deal_history.status_code == 404 and customer_history.status_code == 404
    if sees_deal:
        assert "amount" in {row["field"] for row in deal_history.json()["results"]}


def test_another_teams_rep_gets_404_for_the_history_page_too(org, deal, browser_as):
    rep3 = browser_as("rep3")
    assert rep3.get(reverse("opportunities:detail", args=[deal.pk])).status_code == 404
    assert rep3.get(reverse("customers:detail", args=[deal.customer_id])).status_code == 404
    assert rep3.get("/api/v1/opportunities/not-a-number/field-history/").status_code == 404


def test_the_history_api_runs_a_bounded_number_of_queries(
    org, deal, api, django_assert_max_num_queries
):
    manager = api("manager")
    for step in range(15):
        manager.patch(
            f"/api/v1/opportunities/{deal.pk}/",
            {"amount": str(300000 + step), "expected_close_date": date(2031, 1, step + 1)},
            format="json",
        )
    assert AuditEntry.objects.filter(model="opportunities.Opportunity").count() > 30
    with django_assert_max_num_queries(12):
        response = manager.get(f"/api/v1/opportunities/{deal.pk}/field-history/")
    assert response.status_code == 200 and response.json()["count"] > 30
