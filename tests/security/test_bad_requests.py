"""The examples of hostile input that answered 5xx (the route walk, test_route_walk.py, tries
the whole class on PostgreSQL): each is now a clear 4xx, or an ordinary answer."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/leads/", "/api/v1/payments/"])
def test_a_body_nested_too_deeply_is_a_400_even_anonymously(org, api, path):
    anonymous = Client().post(path, NESTED, content_type="application/json")
    signed_in = api("finance").post(
        path, NESTED, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert anonymous.status_code in (400, 401, 403)
    assert signed_in.status_code == 400
    assert "nested too deeply" in signed_in.json()["detail"]


@pytest.mark.parametrize("period", ["9999-12", "9999", "9999-Q4", "0000-01", "2030-13"])
def test_a_dashboard_period_out_of_range_is_a_400_naming_the_field(org, api, period):
    answer = api("manager").get(f"/api/v1/dashboard/funnel/?period={period}")

    assert answer.status_code == 400, answer.content
    assert "period" in answer.json()


@pytest.mark.parametrize("resource", ["customers", "orders", "payments"])
def test_options_on_the_by_external_id_routes_answers(org, api, resource):
    answer = api("integration").options(f"/api/v1/{resource}/by-external-id/ERP-1/")

    assert answer.status_code < 500


@pytest.mark.parametrize("path", ["/search/?q=a%00b", "/leads/?q=%00", "/customers/?q=%00"])
def test_a_nul_byte_in_a_search_box_is_no_error(org, browser_as, path):
    assert browser_as("rep1").get(path).status_code < 500


def test_an_empty_admin_to_field_is_a_400(org, client):
    client.force_login(org.admin)

    answer = client.get(f"/admin/leads/pool/{org.default_pool.pk}/change/?_to_field=")

    assert answer.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"title": "a\x00b", "company_name": "Acme"},
        {"title": "Chiller", "company_name": "\ud800"},
        {"title": "Chiller", "company_name": "Acme", "extra": [{"deep": ["ok", "\x00"]}]},
    ],
)
def test_text_no_column_can_store_is_refused_wherever_it_is_in_a_json_body(org, api, body):
    import json

    from leads.models import Lead

    raw = json.dumps(body).encode("utf-8", "surrogatepass")
    answer = api("marketing").post("/api/v1/leads/", raw, content_type="application/json")

    assert answer.status_code == 400, answer.content
    assert "NUL" in answer.json()["detail"]
    assert not Lead.objects.exists()


def test_a_nul_in_a_form_field_or_a_page_parameter_is_a_400_naming_it(org, browser_as):
    client = browser_as("rep1")

    page = client.get("/opportunities/?q=a%00b")
    form = client.post("/leads/new/", {"title": "a\x00b"})

    assert page.status_code == 400 and b"(q)" in page.content
    assert form.status_code == 400 and b"(title)" in form.content


def test_a_user_name_longer_than_any_is_a_failed_login_not_an_error(org, client):
    from axes.models import AccessAttempt

    answer = client.post("/login/", {"username": "x" * 400, "password": "y"})

    assert answer.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150
