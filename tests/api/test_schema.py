"""The OpenAPI schema and its interactive docs."""

from django.core.management import call_command


def test_schema_is_served(org, api):
    response = api("integration").get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/leads/{id}/claim/" in response.content


def test_docs_are_served_to_a_logged_in_user(org, browser_as):
    response = browser_as("rep1").get("/api/docs/")
    assert response.status_code == 200


def test_schema_generation_has_no_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/leads/pool/" in target.read_text()
