"""One record's API answer carries what the caller may do with it (``actions``), from the same
``*_actions(user, record)`` rule as the page's buttons and the service's 403/409; a list's rows
do not (issue 21: the API's detail answers carry the actions dict)."""

import pytest
from rest_framework.test import APIClient

from billing import rules as billing_rules
from billing.models import Invoice, Payment
from contracts import services as contract_services
from contracts.models import ChangeRequest, Contract, Quote
from delivery import rules as delivery_rules
from delivery.models import DeliveryUnit, Order
from leads import services as lead_services
from leads.models import Lead
from ltc.demo.data import USERS
from ltc.org.models import User
from ltc.security.tokens import issue_user_token
from opportunities import services as opportunity_services
from opportunities.models import Opportunity, Review

pytestmark = pytest.mark.django_db

# resource URL, model, rule
RESOURCES = [
    ("leads", Lead, lead_services.lead_actions),
    ("opportunities", Opportunity, opportunity_services.opportunity_actions),
    ("reviews", Review, opportunity_services.review_actions),
    ("quotes", Quote, contract_services.quote_actions),
    ("contracts", Contract, contract_services.contract_actions),
    ("change-requests", ChangeRequest, contract_services.change_actions),
    ("orders", Order, delivery_rules.order_actions),
    ("delivery-units", DeliveryUnit, delivery_rules.unit_actions),
    ("invoices", Invoice, billing_rules.invoice_actions),
    ("payments", Payment, billing_rules.payment_actions),
]
USERNAMES = [name for name in USERS if name != "partner"]  # the partner has no API but its own


def client_of(user) -> APIClient:
    _, key = issue_user_token(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def expected(rule, user, row) -> dict:
    return {name: act.as_dict() for name, act in rule(user, row).items()}


@pytest.mark.parametrize("username", USERNAMES)
def test_every_detail_answer_carries_the_rules_actions_for_its_caller(demo, username):
    user = User.objects.get(username=username)
    client = client_of(user)
    seen = 0
    for path, model, rule in RESOURCES:
        for row in model.objects.visible_to(user).order_by("-pk")[:3]:
            answer = client.get(f"/api/v1/{path}/{row.pk}/")
            assert answer.status_code == 200, (path, row.pk, answer.content)
            assert answer.json()["actions"] == expected(rule, user, row), (path, row.pk)
            seen += 1
    assert seen, f"{username} sees no record to check"


def test_a_list_row_carries_no_actions(demo):
    client = client_of(User.objects.get(username="admin"))
    for path, _model, _rule in RESOURCES:
        answer = client.get(f"/api/v1/{path}/", {"page_size": 5})
        assert answer.status_code == 200, path
        rows = answer.json()["results"]
        assert rows, path
        assert all("actions" not in row for row in rows), path


def test_an_actions_answer_tells_what_may_come_next(demo):
    """After a transition the answer's actions are those of the record's new state: a lead
    claimed from the pool may then be released and no longer claimed."""
    rep = User.objects.get(username="rep1")
    lead = Lead.objects.visible_to(rep).filter(owner=None).order_by("pk").first()
    assert lead is not None and lead_services.lead_actions(rep, lead)["claim"].allowed
    answer = client_of(rep).post(f"/api/v1/leads/{lead.pk}/claim/")
    assert answer.status_code == 200, answer.content
    actions = answer.json()["actions"]
    lead.refresh_from_db()
    assert actions == expected(lead_services.lead_actions, rep, lead)
    assert not actions["claim"]["allowed"] and actions["release"]["allowed"]


def test_a_refused_action_says_why_in_the_detail(demo):
    """A rep sees Approve on a review they may not decide as refused, with the sentence the
    API's 403 would carry."""
    rep = User.objects.get(username="rep1")
    review = Review.objects.visible_to(rep).filter(state="pending").first()
    if review is None:
        pytest.skip("the demo has no pending review a rep sees")  # pragma: no cover
    approve = client_of(rep).get(f"/api/v1/reviews/{review.pk}/").json()["actions"]["approve"]
    assert approve["allowed"] is False and approve["refused"]
    refused = client_of(rep).post(f"/api/v1/reviews/{review.pk}/approve/", {"comment": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == approve["refused"]


def test_the_schema_documents_the_actions_of_a_detail_and_not_of_a_list(demo):
    client = client_of(User.objects.get(username="admin"))
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert "ActionState" in components
    lead = components["Lead"]["properties"]
    assert "actions" not in lead
    detail = schema["paths"]["/api/v1/leads/{id}/"]["get"]["responses"]["200"]
    ref = detail["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "actions" in components[ref]["properties"]
