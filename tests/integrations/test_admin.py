"""The admin screens: a token's key is shown once after creation and only its hash is kept;
tokens are revoked; subscriptions get a generated secret; the delivery log lists events and
attempts and replays deliveries."""

from __future__ import annotations

import re

import pytest

from ltc.integrations.events import emit
from ltc.integrations.models import (
    DeliveryAttempt,
    DeliveryState,
    IntegrationToken,
    Scope,
    WebhookDelivery,
    WebhookSubscription,
)
from ltc.integrations.tokens import hash_key

from .helpers import token_client

pytestmark = pytest.mark.django_db

KEY = re.compile(r"ltc_[0-9a-f]{8}_[A-Za-z0-9_-]+")


def test_a_token_created_in_the_admin_shows_its_key_once(org, browser_as):
    admin = browser_as("admin")
    response = admin.post(
        "/admin/integrations/integrationtoken/add/",
        {"name": "SAP", "user": org.integration.pk, "scopes": [Scope.ORDERS_WRITE]},
        follow=True,
    )
    assert response.status_code == 200
    (key,) = KEY.findall(response.content.decode())
    token = IntegrationToken.objects.get()
    assert token.key_hash == hash_key(key)
    assert (token.created_by, token.scopes) == (org.admin, [Scope.ORDERS_WRITE, Scope.READ])
    again = admin.get(f"/admin/integrations/integrationtoken/{token.pk}/change/")
    assert again.status_code == 200
    assert key not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_only_integration_users_can_be_picked_for_a_token(org, browser_as):
    response = browser_as("admin").post(
        "/admin/integrations/integrationtoken/add/", {"name": "SAP", "user": org.rep1.pk}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not IntegrationToken.objects.exists()


def test_the_admin_revokes_tokens(org, browser_as):
    client, token, _key = token_client(org)
    assert client.get("/api/v1/leads/").status_code == 200
    browser_as("admin").post(
        "/admin/integrations/integrationtoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert IntegrationToken.objects.get(pk=token.pk).revoked_at is not None
    assert client.get("/api/v1/leads/").status_code == 401


def test_a_subscription_without_a_secret_gets_one(org, browser_as):
    browser_as("admin").post(
        "/admin/integrations/webhooksubscription/add/",
        {
            "name": "OA",
            "url": "https://oa.example.com/hooks",
            "events": ["contract.signed"],
            "active": "on",
        },
    )
    subscription = WebhookSubscription.objects.get()
    assert len(subscription.secret) >= 32
    assert subscription.events == ["contract.signed"]


def test_the_delivery_log_lists_attempts_and_replays(
    org, browser_as, django_capture_on_commit_callbacks
):
    subscription = WebhookSubscription.objects.create(
        name="ERP", url="http://127.0.0.1:9/x", secret="s", events=["invoice.issued"]
    )
    emit("invoice.issued", {"invoice": 5})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED, attempts=1)
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, at=delivery.created_at, status_code=502, error="HTTP 502"
    )
    admin = browser_as("admin")
    listing = admin.get("/admin/integrations/webhookdelivery/")
    assert listing.status_code == 200
    assert subscription.name in listing.content.decode()
    detail = admin.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert "HTTP 502" in detail.content.decode()
    assert admin.get("/admin/integrations/outboxevent/").status_code == 200

    with django_capture_on_commit_callbacks() as callbacks:
        admin.post(
            "/admin/integrations/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
        )
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == DeliveryState.PENDING
    assert len(callbacks) == 1  # the delivery is queued once the replay commits


@pytest.mark.parametrize("user", ["manager", "finance", "integration"])
def test_the_integration_admin_is_for_administrators(org, browser_as, user):
    response = browser_as(user).get("/admin/integrations/webhookdelivery/")
    assert response.status_code in {302, 403}


def test_the_replay_button_of_a_delivery_queues_it_again(
    org, browser_as, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(
        name="ERP", url="http://127.0.0.1:9/x", secret="s", events=["invoice.issued"]
    )
    emit("invoice.issued", {"invoice": 5})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)
    admin = browser_as("admin")
    page = admin.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert f"/admin/integrations/webhookdelivery/{delivery.pk}/replay/" in page.content.decode()
    assert (
        admin.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/replay/").status_code == 403
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(f"/admin/integrations/webhookdelivery/{delivery.pk}/replay/")
    assert response.status_code == 302
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == DeliveryState.PENDING
    assert len(callbacks) == 1


@pytest.mark.parametrize("events", [2, 12])
def test_the_delivery_log_pages_run_a_fixed_number_of_queries(
    org, browser_as, events, django_assert_max_num_queries
):
    for name in ("ERP", "OA"):
        WebhookSubscription.objects.create(
            name=name, url="http://127.0.0.1:9/x", secret="s", events=["invoice.issued"]
        )
    for number in range(events):
        emit("invoice.issued", {"invoice": number})
    admin = browser_as("admin")
    for url in ["/admin/integrations/webhookdelivery/", "/admin/integrations/outboxevent/"]:
        with django_assert_max_num_queries(14):
            assert admin.get(url).status_code == 200
