"""The audit trail of money: who changed which field of which money record, when, from what to
what; written with the change, never edited (model, queryset, admin and database refuse), read
by admin and finance only, on a page and in the API, with bounded queries."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from contracts import services as contracts
from delivery.models import DeliveryUnit
from ltc.audit.context import audit_context
from ltc.audit.models import AuditEntry
from ltc.core.errors import NotAllowed

from ..api.test_contracts_api import contract_in
from ..api.test_delivery_api import placed_order, units_of

pytestmark = pytest.mark.django_db
ENTRIES = "/api/v1/audit-entries/"


def trail(obj, field=None):
    rows = AuditEntry.objects.filter(model=obj._meta.label, object_id=str(obj.pk))
    if field:
        rows = rows.filter(field=field)
    return list(rows.order_by("id"))


def test_a_contract_edited_through_the_api_records_who_changed_its_amount_from_what_to_what(
    org, api
):
    contract = contract_in(org, "draft")
    created = trail(contract, "amount")
    assert [(e.action, e.old_value, e.new_value) for e in created] == [
        ("create", None, "300000.00")
    ]
    answer = api("rep1").patch(
        f"/api/v1/contracts/{contract.pk}/", {"amount": "280000.50"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    change = trail(contract, "amount")[-1]
    assert (change.action, change.old_value, change.new_value) == (
        "update",
        "300000.00",
        "280000.50",
    )
    assert change.actor == org.rep1
    assert change.source == "api"
    assert change.request_id and answer["X-Request-ID"] == change.request_id
    # Unchanged fields write nothing.
    assert len(trail(contract, "currency")) == 1


def test_payment_terms_created_in_bulk_are_audited_too(org):
    contract = contract_in(org, "draft")
    terms = AuditEntry.objects.filter(model="contracts.PaymentTerm", field="percent")
    assert {e.object_id for e in terms} == {
        str(pk) for pk in contract.terms.values_list("pk", flat=True)
    }
    assert sorted(Decimal(e.new_value) for e in terms) == [10, 30, 60]


def test_accepting_a_unit_in_the_browser_records_the_state_change_and_the_actor(org, browser_as):
    order = placed_order(org)
    unit = units_of(order)[0]
    from delivery import services as delivery

    delivery.ship_unit(unit=unit, by=org.delivery)
    client = browser_as("delivery")
    response = client.post(reverse("delivery:unit_accept", args=[unit.pk]), {"certificate": "AC-9"})
    assert response.status_code == 302
    assert DeliveryUnit.objects.get(pk=unit.pk).state == "accepted"
    change = trail(unit, "state")[-1]
    assert (change.old_value, change.new_value, change.actor, change.source) == (
        "shipped",
        "accepted",
        org.delivery,
        "web",
    )
    revenue = AuditEntry.objects.filter(model="delivery.RevenueEntry", field="amount")
    assert [e.new_value for e in revenue] == [format(unit.amount, "f")]


def test_changes_made_by_a_task_or_command_name_their_source(org):
    contract = contract_in(org, "draft")
    with audit_context(source="task:test", actor=None):
        contracts.update_contract(contract=contract, by=org.rep1, amount=Decimal("1000"))
    change = trail(contract, "amount")[-1]
    assert (change.source, change.actor, change.new_value) == ("task:test", None, "1000.00")


def test_an_entry_cannot_be_changed_or_deleted_by_the_model_or_a_queryset(org):
    contract_in(org, "draft")
    entry = AuditEntry.objects.first()
    entry.new_value = "1"
    with pytest.raises(NotAllowed):
        entry.save()
    with pytest.raises(NotAllowed):
        entry.delete()
    with pytest.raises(NotAllowed):
        AuditEntry.objects.filter(pk=entry.pk).update(new_value="1")
    with pytest.raises(NotAllowed):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).new_value != "1"


def test_the_database_refuses_an_update_behind_the_models_back(org):
    contract_in(org, "draft")
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET new_value = 'x' WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).new_value == entry.new_value


def test_the_admin_shows_the_trail_read_only(org, browser_as):
    contract_in(org, "draft")
    entry = AuditEntry.objects.first()
    client = browser_as("admin")
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="new_value"' not in page.content.decode()
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {}).status_code == 403


@pytest.mark.parametrize(
    "role,page,api_status",
    [
        ("admin", 200, 200),
        ("finance", 200, 200),
        ("manager", 404, 404),
        ("rep1", 404, 404),
        ("delivery", 404, 404),
        ("marketing", 404, 404),
        ("solution", 404, 404),
        ("integration", 404, 404),
    ],
)
def test_only_admin_and_finance_read_the_trail(org, api, browser_as, role, page, api_status):
    contract_in(org, "draft")
    assert browser_as(role).get(reverse("audit:list")).status_code == page
    answer = api(role).get(ENTRIES)
    assert answer.status_code == api_status
    if api_status == 200:
        assert answer.json()["count"] == AuditEntry.objects.count() > 0


def test_the_trail_filters_by_record_field_and_actor(org, api, browser_as):
    contract = contract_in(org, "draft")
    contracts.update_contract(contract=contract, by=org.rep1, amount=Decimal("2000"))
    api("rep1").patch(f"/api/v1/contracts/{contract.pk}/", {"amount": "2500"}, format="json")
    finance = api("finance")
    rows = finance.get(
        ENTRIES,
        {"model": "contracts.Contract", "object_id": contract.pk, "field": "amount"},
    ).json()["results"]
    assert [r["new_value"] for r in rows] == ["2500.00", "2000.00", "300000.00"]
    mine = finance.get(ENTRIES, {"actor": "rep1", "field": "amount"}).json()["results"]
    assert [r["new_value"] for r in mine] == ["2500.00"]
    bad = finance.get(ENTRIES, {"since": "not-a-date"})
    assert bad.status_code == 400
    html = browser_as("finance").get(
        reverse("audit:list"), {"field": "amount", "object_id": contract.pk}
    )
    assert html.status_code == 200
    # Readable: money grouped with two decimals, the field's label, the record by its kind and
    # number (not "contracts.Contract #12").
    page = html.content.decode()
    assert "2,500.00" in page
    assert f"Contract {contract.number}" in page or f"合同 {contract.number}" in page
    assert "contracts.Contract #" not in page
    # The person who changed it is picked by name, from the people the viewer sees.
    by_name = finance.get(ENTRIES, {"actor": str(org.rep1), "field": "amount"}).json()
    assert [r["new_value"] for r in by_name["results"]] == ["2500.00"]
    assert f'<option value="{org.rep1}">' in page


def test_the_trail_page_and_api_run_a_fixed_number_of_queries(
    org, api, browser_as, django_assert_max_num_queries
):
    client, finance = browser_as("finance"), api("finance")
    for rows in (1, 3):
        for _ in range(rows):
            contract_in(org, "draft")
        # Readable rows add one query per kind of record their foreign keys name (users,
        # contracts, …) and one per kind of record listed (its number or name), whatever the
        # number of rows; the "changed by" box one for the names it suggests.
        with django_assert_max_num_queries(14):
            assert client.get(reverse("audit:list")).status_code == 200
        with django_assert_max_num_queries(11):
            assert finance.get(ENTRIES).status_code == 200


def test_changes_made_inside_a_celery_task_name_the_task(org):
    from celery.signals import task_postrun, task_prerun

    from leads.tasks import recover_overdue_leads

    contract = contract_in(org, "draft")
    task_prerun.send(sender=recover_overdue_leads, task_id="task-1", task=recover_overdue_leads)
    try:
        contracts.update_contract(contract=contract, by=org.rep1, amount=Decimal("4000"))
    finally:
        task_postrun.send(
            sender=recover_overdue_leads, task_id="task-1", task=recover_overdue_leads
        )
    change = trail(contract, "amount")[-1]
    assert (change.source, change.request_id) == (
        "task:leads.tasks.recover_overdue_leads",
        "task-1",
    )
    contracts.update_contract(contract=contract, by=org.rep1, amount=Decimal("5000"))
    assert trail(contract, "amount")[-1].source == "system"
