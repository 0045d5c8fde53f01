"""Integration tokens: created by an admin for an integration user, hashed, shown once, revocable,
scoped (403 outside the scopes), and throttled per token (429 with Retry-After)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from ltc.core.errors import InvalidInput, NotAllowed
from ltc.integrations.models import IntegrationToken, Scope
from ltc.integrations.throttling import IntegrationTokenThrottle
from ltc.integrations.tokens import create_token, hash_key, revoke_token

from .helpers import token_client

pytestmark = pytest.mark.django_db


def test_the_key_is_stored_only_as_its_hash_with_a_visible_prefix(org):
    token, key = create_token(name="ERP", user=org.integration, scopes=[], by=org.admin)
    stored = IntegrationToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_key(key)
    assert key.startswith(f"ltc_{stored.prefix}_")
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.scopes == [Scope.READ]
    assert stored.created_by == org.admin


def test_only_an_admin_creates_tokens_and_only_for_integration_users(org):
    with pytest.raises(NotAllowed):
        create_token(name="ERP", user=org.integration, scopes=[], by=org.manager)
    with pytest.raises(InvalidInput) as error:
        create_token(name="ERP", user=org.rep1, scopes=[], by=org.admin)
    assert error.value.field == "user"
    with pytest.raises(InvalidInput) as error:
        create_token(name="ERP", user=org.integration, scopes=["all"], by=org.admin)
    assert error.value.field == "scopes"


@pytest.mark.parametrize("keyword", ["Bearer", "Token"])
def test_a_token_authenticates_as_its_integration_user(org, keyword):
    client, token, _key = token_client(org, keyword=keyword)
    response = client.get("/api/v1/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == org.integration.username
    assert IntegrationToken.objects.get(pk=token.pk).last_used_at is not None


def test_user_tokens_keep_working_beside_integration_tokens(org, api):
    assert api("rep1").get("/api/v1/users/me/").json()["username"] == "rep1"


def test_a_revoked_or_expired_token_is_refused_with_401(org):
    client, token, _key = token_client(org)
    revoke_token(token=token, by=org.admin)
    assert client.get("/api/v1/leads/").status_code == 401

    client, token, _key = token_client(org)
    IntegrationToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get("/api/v1/leads/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_an_unknown_bearer_key_is_refused(org):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ltc_deadbeef_nothing")
    assert client.get("/api/v1/leads/").status_code == 401


LEAD = {
    "title": "Line 3 retrofit",
    "company_name": "Acme Robotics",
    "contact_name": "Li Lei",
    "phone": "13800000001",
    "source": "website",
}

# scopes → (method, path, body) → is it refused with 403 by the scope check?
WRITES = [
    ("post", "/api/v1/leads/", LEAD),
    ("post", "/api/v1/orders/", {}),
    ("post", "/api/v1/customers/", {"name": "Acme"}),
    ("post", "/api/v1/contracts/", {}),
]
ALLOWED = {
    (): set(),
    (Scope.LEADS_WRITE,): {"/api/v1/leads/", "/api/v1/customers/"},
    (Scope.ORDERS_WRITE,): {"/api/v1/orders/", "/api/v1/customers/"},
    (Scope.BILLING_WRITE,): {"/api/v1/customers/"},
}


@pytest.mark.parametrize("scopes", list(ALLOWED))
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_outside_the_token_scopes_are_forbidden(org, scopes, method, path, body):
    client, _token, _key = token_client(org, *scopes)
    response = getattr(client, method)(path, body, format="json")
    if path in ALLOWED[scopes]:
        assert response.status_code != 403, response.content
    else:
        assert response.status_code == 403, response.content
        assert "scopes" in response.json()["detail"]
        assert response.json()["missing"] == []


@pytest.mark.parametrize(
    ("scopes", "path", "allowed"),
    [
        ([Scope.READ], "/api/v1/invoices/", False),
        ([Scope.READ, Scope.BILLING_WRITE], "/api/v1/invoices/", True),
        ([Scope.READ, Scope.BILLING_WRITE], "/api/v1/payments/", True),
        ([Scope.READ, Scope.BILLING_WRITE], "/api/v1/credit-notes/", True),
        ([Scope.READ, Scope.ORDERS_WRITE], "/api/v1/payments/", False),
        ([Scope.READ, Scope.ORDERS_WRITE], "/api/v1/delivery-units/4/accept/", True),
        ([Scope.READ, Scope.LEADS_WRITE], "/api/v1/delivery-units/4/accept/", False),
        ([Scope.READ, Scope.LEADS_WRITE], "/api/v1/leads/7/convert/", True),
        ([Scope.READ, Scope.LEADS_WRITE], "/api/v1/contracts/7/sign/", False),
    ],
)
def test_the_scope_of_a_write_is_the_resource_of_its_path(org, scopes, path, allowed):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from ltc.integrations.permissions import TokenScopePermission

    request = Request(APIRequestFactory().post(path, {}))
    request._authenticator = None
    request.user, request.auth = org.integration, IntegrationToken(scopes=scopes)
    if allowed:
        assert TokenScopePermission().has_permission(request, None) is True
    else:
        with pytest.raises(NotAllowed):
            TokenScopePermission().has_permission(request, None)


@pytest.mark.parametrize("path", ["/api/v1/leads/", "/api/v1/orders/", "/api/v1/customers/"])
def test_a_read_only_token_reads(org, path):
    client, _token, _key = token_client(org)
    assert client.get(path).status_code == 200


def test_scopes_do_not_restrict_users(org, api):
    assert api("marketing").post("/api/v1/leads/", LEAD, format="json").status_code == 201


def test_requests_over_the_rate_are_throttled_per_token(org, monkeypatch):
    cache.clear()
    monkeypatch.setattr(IntegrationTokenThrottle, "THROTTLE_RATES", {"integration": "3/min"})
    client, _token, _key = token_client(org)
    other, _token, _key = token_client(org)
    answers = [client.get("/api/v1/users/me/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/users/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"].lower()
    assert other.get("/api/v1/users/me/").status_code == 200  # its own budget
    cache.clear()
