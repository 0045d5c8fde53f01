"""Merging duplicates keeps every related row: each foreign key to the customer (or the lead)
and each generic relation (activities, files) ends on the record kept."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from complaints.services import open_complaint
from leads import services as lead_services
from leads.models import Lead, LeadRecovery
from ltc.activity.models import Activity, TransitionLog
from ltc.attachments.models import Attachment
from ltc.attachments.services import upload_attachment
from ltc.core.errors import NotAllowed
from ltc.core.merge import foreign_keys_to
from ltc.customers.merging import merge_customers
from ltc.customers.models import Customer, CustomerRecovery

from ..factories import CustomerFactory, CustomerPoolFactory, LeadFactory
from .conftest import build_chain, log_activity, pdf


def related_counts(customer) -> dict[str, int]:
    counts = {
        f"{model._meta.label_lower}.{name}": model._base_manager.filter(
            **{name: customer.pk}
        ).count()
        for model, name in foreign_keys_to(Customer)
    }
    content_type = ContentType.objects.get_for_model(Customer)
    for model in (Activity, Attachment):
        counts[model._meta.label_lower] = model.objects.filter(
            content_type=content_type, object_id=customer.pk
        ).count()
    return counts


@pytest.fixture
def two(org, frozen):
    first = build_chain(org, number="A")
    second = build_chain(org, number="B")
    log_activity(first["customer"], org.rep1, "Lunch with the CFO")
    log_activity(second["customer"], org.rep1, "Site survey")
    # A complaint on the duplicate (the complaints app keys it to the customer too).
    open_complaint(
        by=org.admin, customer=second["customer"], title="Late", category="delivery", severity="low"
    )
    # Taken back from rep1 once (the customer pool's recovery events move with the customer).
    CustomerRecovery.objects.create(
        customer=second["customer"],
        pool=CustomerPoolFactory(),
        former_owner=org.rep1,
        kind="released",
        reason="Not ours",
        at=timezone.now(),
    )
    second["customer"].external_id = "ERP-B"
    second["customer"].tax_id = "TAX-B"
    second["customer"].save()
    return first, second


def test_merging_customers_moves_every_related_row_to_the_one_kept(org, two):
    keep, other = two[0]["customer"], two[1]["customer"]
    before = {k: related_counts(keep)[k] + related_counts(other)[k] for k in related_counts(keep)}
    empty = {k for k, n in before.items() if not n}
    assert empty <= {"customers.customer.merged_into", "billing.creditnote.customer"}, empty
    survivor, moved = merge_customers(
        keep=keep, other=other, by=org.manager, picks={"tax_id": "other"}
    )
    after = related_counts(survivor)
    before["customers.customer.merged_into"] += 1  # the duplicate itself now points here
    assert after == before
    assert all(n == 0 for n in related_counts(other).values())
    assert sum(moved.values()) > 0
    other.refresh_from_db()
    assert other.merged_into == survivor
    survivor.refresh_from_db()
    assert survivor.tax_id == "TAX-B"  # picked from the duplicate
    assert survivor.external_id == "ERP-B"  # the kept one had none: taken from the duplicate
    log = TransitionLog.objects.get(
        content_type=ContentType.objects.get_for_model(Customer), object_id=survivor.pk
    )
    assert log.transition == "merge" and other.name in log.comment


def test_the_merged_duplicate_leads_old_links_and_the_erps_id_to_the_survivor(
    org, two, browser_as, api
):
    keep, other = two[0]["customer"], two[1]["customer"]
    merge_customers(keep=keep, other=other, by=org.manager, picks={})
    response = browser_as("rep1").get(reverse("customers:detail", args=[other.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[keep.pk])
    assert not Customer.objects.visible_to(org.rep1).filter(pk=other.pk).exists()
    upsert = api("integration").put(
        "/api/v1/customers/by-external-id/ERP-B/", {"name": keep.name}, format="json"
    )
    assert upsert.status_code == 200 and upsert.json()["id"] == keep.pk


@pytest.mark.parametrize(
    "name, allowed", [("manager", True), ("admin", True), ("rep1", False), ("finance", False)]
)
def test_only_a_manager_or_an_admin_merges_customers(org, two, name, allowed):
    keep, other = two[0]["customer"], two[1]["customer"]
    if allowed:
        merge_customers(keep=keep, other=other, by=org.user(name), picks={})
    else:
        with pytest.raises(NotAllowed):
            merge_customers(keep=keep, other=other, by=org.user(name), picks={})
        assert Customer.objects.get(pk=other.pk).merged_into is None


def test_the_merge_page_shows_both_side_by_side_and_merges_the_picks(
    browser_as, org, frozen, django_assert_max_num_queries
):
    keep = CustomerFactory(name="Minghui", industry="", owner=org.rep1, team=org.team1)
    other = CustomerFactory(name="Minghui Ltd", industry="Steel", owner=org.rep1, team=org.team1)
    client = browser_as("manager")
    url = reverse("customers:merge", args=[keep.pk])
    with django_assert_max_num_queries(30):
        compare = client.get(url, {"other": other.pk}, HTTP_ACCEPT_LANGUAGE="en")
    html = compare.content.decode()
    assert "Minghui Ltd" in html and "Steel" in html
    response = client.post(url, {"other": other.pk, "pick_name": "other", "pick_industry": "other"})
    assert response.status_code == 302
    keep.refresh_from_db()
    assert (keep.name, keep.industry) == ("Minghui Ltd", "Steel")
    assert browser_as("rep1").get(url).status_code == 403


def test_api_merges_customers(api, org, frozen):
    keep = CustomerFactory(owner=org.rep1, team=org.team1)
    other = CustomerFactory(owner=org.rep1, team=org.team1, website="example.com")
    response = api("manager").post(
        f"/api/v1/customers/{keep.pk}/merge/",
        {"other": other.pk, "picks": {"website": "other"}},
        format="json",
    )
    assert response.status_code == 200 and response.json()["website"] == "example.com"
    refused = api("rep1").post(
        f"/api/v1/customers/{keep.pk}/merge/", {"other": other.pk}, format="json"
    )
    assert refused.status_code in (403, 404)
    bad = api("manager").post(
        f"/api/v1/customers/{keep.pk}/merge/",
        {"other": keep.pk, "picks": {"website": "neither"}},
        format="json",
    )
    assert bad.status_code == 400 and "picks" in bad.json()


# Leads --------------------------------------------------------------------------------------
def test_merging_leads_keeps_every_related_row(org, frozen):
    into = LeadFactory(owner=org.rep1, state="assigned", phone="", need="")
    duplicate = LeadFactory(
        owner=org.rep1, state="assigned", phone="13911112222", need="Two lines", notes="Met at fair"
    )
    flagged = LeadFactory(duplicate_of=duplicate)  # a third lead flagged as its duplicate
    log_activity(duplicate, org.rep1, "Called the buyer")
    upload_attachment(subject=duplicate, upload=pdf("tender.pdf"), by=org.rep1)
    recovery = LeadRecovery.objects.create(
        lead=duplicate, former_owner=org.rep2, kind="recovered", reason="overdue", at=frozen_now()
    )
    lead_type = ContentType.objects.get_for_model(Lead)
    kept = lead_services.merge_leads(
        duplicate=duplicate, into=into, user=org.rep1, picks={"notes": "duplicate"}
    )
    assert (kept.phone, kept.need, kept.notes) == ("13911112222", "Two lines", "Met at fair")
    assert Activity.objects.filter(content_type=lead_type, object_id=into.pk).count() == 1
    assert Attachment.objects.filter(content_type=lead_type, object_id=into.pk).count() == 1
    assert Lead.objects.get(pk=flagged.pk).duplicate_of_id == into.pk
    # The duplicate's own history stays with it: it remains, disqualified as a duplicate.
    assert LeadRecovery.objects.get(pk=recovery.pk).lead_id == duplicate.pk
    duplicate.refresh_from_db()
    assert duplicate.state == "disqualified" and duplicate.duplicate_of_id == into.pk
    merges = TransitionLog.objects.filter(content_type=lead_type, transition="merge")
    assert {log.object_id for log in merges} == {into.pk, duplicate.pk}


def frozen_now():
    from django.utils import timezone

    return timezone.now()


def test_the_lead_merge_page_compares_and_merges_with_picks(
    browser_as, org, frozen, django_assert_max_num_queries
):
    into = LeadFactory(owner=org.rep1, state="assigned", title="Kept lead")
    duplicate = LeadFactory(owner=org.rep1, state="assigned", title="Second lead")
    client = browser_as("rep1")
    with django_assert_max_num_queries(20):
        compare = client.get(
            reverse("leads:merge_compare", args=[duplicate.pk]),
            {"into": into.pk},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    html = compare.content.decode()
    assert "Kept lead" in html and "Second lead" in html and 'name="pick_title"' in html
    response = client.post(
        reverse("leads:merge", args=[duplicate.pk]), {"into": into.pk, "pick_title": "duplicate"}
    )
    assert response.status_code == 302
    into.refresh_from_db()
    assert into.title == "Second lead"


@pytest.mark.parametrize("name, allowed", [("rep1", True), ("manager", True), ("rep2", False)])
def test_who_may_merge_leads(org, frozen, name, allowed):
    into = LeadFactory(owner=org.rep1, state="assigned")
    duplicate = LeadFactory(owner=org.rep1, state="assigned")
    if allowed:
        lead_services.merge_leads(duplicate=duplicate, into=into, user=org.user(name))
    else:
        with pytest.raises(NotAllowed):
            lead_services.merge_leads(duplicate=duplicate, into=into, user=org.user(name))
