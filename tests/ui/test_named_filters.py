"""Filters pick people and customers by name (a box that suggests the names the viewer may see),
not by a database id; an id still works for the API and the drill-down links."""

import pytest

from ..factories import CustomerFactory, LeadFactory, held_lead, opportunity

pytestmark = pytest.mark.django_db


def _suggested(page: str, list_id: str) -> str:
    start = page.index(f'<datalist id="{list_id}">')
    return page[start : page.index("</datalist>", start)]


def test_leads_are_filtered_by_their_owners_name(org, browser_as, django_assert_max_num_queries):
    org.rep1.first_name, org.rep2.first_name = "王芳", "李雷"
    org.rep1.save(update_fields=["first_name"])
    org.rep2.save(update_fields=["first_name"])
    mine = held_lead(org.rep1)
    theirs = held_lead(org.rep2)
    LeadFactory(pool=org.default_pool)
    client = browser_as("manager")
    with django_assert_max_num_queries(20):
        page = client.get("/leads/", {"owner": "王芳"}).content.decode()
    assert f"/leads/{mine.pk}/" in page and f"/leads/{theirs.pk}/" not in page
    by_id = client.get("/leads/", {"owner": org.rep2.pk}).content.decode()
    assert f"/leads/{theirs.pk}/" in by_id and f"/leads/{mine.pk}/" not in by_id
    # The box suggests the people the manager sees, by name; not the other team's.
    names = _suggested(page, "id_owner-names")
    assert '<option value="王芳">' in names and '<option value="李雷">' in names
    assert f'value="{org.rep3.username}"' not in names


def test_a_rep_is_suggested_only_the_customers_they_see(org, browser_as):
    seen = CustomerFactory(name="苏州精密机械有限公司", owner=org.rep1, team=org.team1)
    hidden = CustomerFactory(name="宁波远洋渔业有限公司", owner=org.rep3, team=org.team2)
    deal = opportunity(org.rep1, customer=seen)
    opportunity(org.rep3, customer=hidden)
    page = browser_as("rep1").get("/opportunities/", {"customer": "精密"}).content.decode()
    assert f"/opportunities/{deal.pk}/" in page
    names = _suggested(page, "id_customer-names")
    assert seen.name in names and hidden.name not in names


def test_a_number_no_id_can_be_is_refused_and_text_is_a_name(org, api):
    client = api("manager")
    assert client.get("/api/v1/leads/", {"owner": "-1"}).status_code == 400
    assert client.get("/api/v1/leads/", {"owner": "1e9"}).status_code == 400
    answer = client.get("/api/v1/leads/", {"owner": "nobody by that name"})
    assert answer.status_code == 200 and answer.json()["results"] == []


def test_deals_are_filtered_by_a_stage_picked_by_its_name(org, browser_as, settings):
    deal = opportunity(org.rep1)
    client = browser_as("rep1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/opportunities/", {"stage": "verify"}).content.decode()
    select = page[page.index('id="id_stage"') :]
    chosen = select[select.index('<option value="verify" selected>') :]
    assert chosen[: chosen.index("</option>")].endswith("验证商机"), select[:600]
    assert f"/opportunities/{deal.pk}/" in page
    other = client.get("/opportunities/", {"stage": "approval"}).content.decode()
    assert f"/opportunities/{deal.pk}/" not in other


def test_deals_are_filtered_by_a_team_picked_from_a_list(org, browser_as, api):
    deal = opportunity(org.rep1)
    page = browser_as("manager").get("/opportunities/", {"team": org.team1.pk}).content.decode()
    select = page[page.index('id="id_team"') :]
    assert f'<option value="{org.team1.pk}" selected>{org.team1.name}</option>' in select
    assert f"/opportunities/{deal.pk}/" in page
    assert api("manager").get("/api/v1/opportunities/", {"team": 10**9}).status_code == 400


def test_units_and_invoices_are_filtered_by_a_contract_picked_by_its_number(org, browser_as, api):
    from ..api.test_delivery_api import placed_order

    order = placed_order(org, number="PO-GAMMA")
    contract = order.contract
    page = browser_as("manager").get("/complaints/", {"contract": contract.number})
    assert page.status_code == 200
    suggested = _suggested(page.content.decode(), "id_contract-names")
    assert f'<option value="{contract.number}">' in suggested
    # A rep of another team is suggested none of this team's contracts.
    other = browser_as("rep3").get("/complaints/", {"contract": contract.number})
    assert other.status_code == 200, other.status_code
    assert contract.number not in _suggested(other.content.decode(), "id_contract-names")
    units = api("manager").get("/api/v1/delivery-units/", {"contract": contract.number}).json()
    assert units["count"] == 2
    assert (
        api("rep3").get("/api/v1/delivery-units/", {"contract": contract.number}).json()["count"]
        == 0
    )
