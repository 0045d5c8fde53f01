"""Creating and editing customers and contacts in the browser, warned of duplicates by name,
tax id and phone."""

import pytest
from django.urls import reverse

from ltc.customers.models import Contact, Customer

from ..factories import ContactFactory, CustomerFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def create(client, **data):
    return client.post(reverse("customers:create"), data, **EN)


def test_a_rep_creates_a_customer_with_its_first_contact(browser_as, org):
    response = create(
        browser_as("rep1"),
        name="明辉机械有限公司",
        tax_id="91310000MA1K",
        contact_name="Li Lei",
        contact_phone="+86 138 0000 1111",
    )
    customer = Customer.objects.get(name="明辉机械有限公司")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.owner == org.rep1 and customer.team == org.team1
    assert Contact.objects.get(customer=customer).phone_key == "13800001111"


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Minghui Machinery Co., Ltd."},  # the same name, written differently
        {"name": "Another name", "tax_id": " 91310000ma1k "},  # the same tax id
        {"name": "Another name", "contact_name": "Wang", "contact_phone": "0086-13800001111"},
    ],
)
def test_a_customer_like_a_known_one_is_warned_and_saved_only_when_confirmed(browser_as, org, data):
    known = CustomerFactory(
        name="Minghui Machinery", tax_id="91310000MA1K", owner=org.rep1, team=org.team1
    )
    ContactFactory(customer=known, phone="138 0000 1111")
    client = browser_as("rep1")
    warned = create(client, **data)
    assert warned.status_code == 200
    html = warned.content.decode()
    assert 'id="duplicate-warning"' in html and "Minghui Machinery" in html
    assert Customer.objects.count() == 1
    assert create(client, **data, confirm_duplicate="on").status_code == 302
    assert Customer.objects.count() == 2


def test_the_warning_names_only_the_customers_the_user_sees(browser_as, org):
    CustomerFactory(name="Hidden Works", owner=org.rep3, team=org.team2)
    html = create(browser_as("rep1"), name="Hidden Works Ltd").content.decode()
    assert 'id="duplicate-warning"' in html
    assert "Hidden Works</a>" not in html
    assert "1 more matching customer belongs to another team" in html


@pytest.mark.parametrize(
    "name, status",
    [("rep1", 200), ("manager", 200), ("admin", 200), ("rep2", 404), ("finance", 403)],
)
def test_who_may_edit_a_customer(browser_as, org, name, status):
    customer = CustomerFactory(owner=org.rep1, team=org.team1)
    response = browser_as(name).get(reverse("customers:edit", args=[customer.pk]))
    assert response.status_code == status


def test_editing_saves_through_the_service_and_is_recorded(browser_as, org):
    customer = CustomerFactory(name="Old name", owner=org.rep1, team=org.team1)
    response = browser_as("rep1").post(
        reverse("customers:edit", args=[customer.pk]),
        {"name": "New name", "industry": "Steel", "region": "East", "tax_id": "X1"},
        **EN,
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.industry, customer.tax_id) == ("New name", "Steel", "X1")


def test_a_contact_whose_phone_is_known_at_another_customer_is_warned(browser_as, org):
    mine = CustomerFactory(owner=org.rep1, team=org.team1)
    other = CustomerFactory(name="Other Co", owner=org.rep1, team=org.team1)
    ContactFactory(customer=other, phone="13900001234")
    client = browser_as("rep1")
    url = reverse("customers:contact_create", args=[mine.pk])
    warned = client.post(url, {"name": "Zhao", "phone": "139-0000-1234"}, **EN)
    assert warned.status_code == 200 and "Other Co" in warned.content.decode()
    saved = client.post(url, {"name": "Zhao", "phone": "139-0000-1234", "confirm_duplicate": "on"})
    assert saved.status_code == 302
    contact = Contact.objects.get(customer=mine)
    edit = reverse("customers:contact_edit", args=[mine.pk, contact.pk])
    assert (
        client.post(edit, {"name": "Zhao Wei", "phone": "", "email": "z@example.com"}).status_code
        == 302
    )
    contact.refresh_from_db()
    assert (contact.name, contact.phone_key) == ("Zhao Wei", "")


def test_a_contact_of_another_customer_is_not_edited_through_this_one(browser_as, org):
    mine = CustomerFactory(owner=org.rep1, team=org.team1)
    theirs = ContactFactory(customer=CustomerFactory(owner=org.rep1, team=org.team1))
    url = reverse("customers:contact_edit", args=[mine.pk, theirs.pk])
    assert browser_as("rep1").get(url).status_code == 404


def test_the_form_pages_run_a_bounded_number_of_queries(
    browser_as, org, django_assert_max_num_queries
):
    customer = CustomerFactory(name="Same", owner=org.rep1, team=org.team1)
    for _ in range(5):
        CustomerFactory(name="Same", owner=org.rep1, team=org.team1)
    client = browser_as("rep1")
    with django_assert_max_num_queries(12):
        client.post(reverse("customers:create"), {"name": "Same"})
    with django_assert_max_num_queries(12):
        client.get(reverse("customers:edit", args=[customer.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("customers:list"))


def test_api_answers_the_same_duplicate_warning(api, org, django_assert_max_num_queries):
    CustomerFactory(name="Minghui Machinery", tax_id="T1", owner=org.rep1, team=org.team1)
    CustomerFactory(name="Minghui Machinery Co., Ltd.", owner=org.rep3, team=org.team2)
    client = api("rep1")
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/customers/duplicates/", {"name": "MINGHUI machinery ltd"})
    body = response.json()
    assert response.status_code == 200
    assert [c["name"] for c in body["customers"]] == ["Minghui Machinery"]
    assert body["hidden"] == 1
    assert client.get("/api/v1/customers/duplicates/", {"tax_id": "t1"}).json()["hidden"] == 0
