"""Converting a validated lead into an opportunity (商机转化)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from leads.models import Lead
from ltc.activity.models import TransitionLog
from ltc.core.errors import NotAllowed, TransitionRefused
from ltc.customers.models import Contact, Customer
from opportunities import services
from opportunities.models import Opportunity, StageHistory

from ..factories import ContactFactory, CustomerFactory, held_lead
from .steps import missing_codes

NOW = timezone.make_aware(datetime(2030, 5, 6, 9, 0))


def validated_lead(owner, **fields):
    defaults = {
        "company_name": "Huaxia Steel Co., Ltd.",
        "contact_name": "Li Wei",
        "phone": "13800001111",
        "email": "li.wei@huaxia.example",
        "need": "Plant maintenance system",
    }
    return held_lead(owner, state="validated", **{**defaults, **fields})


def convert(lead, user, *, amount="1500000", **kwargs):
    return services.convert_lead(
        lead=lead,
        user=user,
        opportunity_name="Huaxia maintenance",
        amount=Decimal(amount),
        expected_close_date=date(2030, 9, 30),
        **kwargs,
    )


def test_converting_a_validated_lead_creates_customer_contact_and_opportunity(org):
    lead = validated_lead(org.rep1)

    with time_machine.travel(NOW, tick=False):
        opp = convert(lead, org.rep1)

    customer = Customer.objects.get()
    assert (customer.name, customer.owner, customer.team) == (
        lead.company_name,
        org.rep1,
        org.team1,
    )
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.phone, contact.email) == (
        "Li Wei",
        "13800001111",
        "li.wei@huaxia.example",
    )
    stored = Opportunity.objects.get(pk=opp.pk)
    assert (stored.customer, stored.lead, stored.owner, stored.team) == (
        customer,
        lead,
        org.rep1,
        org.team1,
    )
    assert (stored.name, stored.amount, stored.grade) == (
        "Huaxia maintenance",
        Decimal("1500000"),
        "B",
    )
    assert (stored.stage.code, stored.probability, stored.state) == ("verify", 10, "open")
    assert stored.needs == "Plant maintenance system"
    history = StageHistory.objects.get(opportunity=opp)
    assert (history.stage.code, history.entered_at, history.entered_by) == ("verify", NOW, org.rep1)


def test_the_converted_lead_is_closed_with_a_transition_log_row(org):
    lead = validated_lead(org.rep1)

    with time_machine.travel(NOW, tick=False):
        opp = convert(lead, org.rep1)

    lead.refresh_from_db()
    assert (lead.state, lead.closed_at) == ("converted", NOW)
    assert lead.opportunity == opp
    log = TransitionLog.objects.get(object_id=lead.pk, transition="convert")
    assert (log.source, log.target, log.actor, log.at) == ("validated", "converted", org.rep1, NOW)


@pytest.mark.parametrize(
    ("amount", "grade"), [("5000000", "A"), ("1000000", "B"), ("200000", "C"), ("199999", "D")]
)
def test_the_converted_opportunity_is_graded_from_the_amount(org, amount, grade):
    assert convert(validated_lead(org.rep1), org.rep1, amount=amount).grade == grade


def test_the_manager_converts_for_the_rep_who_stays_the_owner(org):
    lead = validated_lead(org.rep1)

    opp = convert(lead, org.manager)

    assert (opp.owner, opp.team) == (org.rep1, org.team1)
    assert TransitionLog.objects.get(object_id=lead.pk, transition="convert").actor == org.manager


def test_an_existing_visible_customer_with_the_same_normalised_name_is_linked(org):
    existing = CustomerFactory(name="HUAXIA STEEL CO LTD", owner=org.rep1, team=org.team1)
    ContactFactory(customer=existing, name="Li Wei", phone="010-1234")  # already known by name

    opp = convert(validated_lead(org.rep1, company_name="Huaxia Steel Co., Ltd."), org.rep1)

    assert opp.customer == existing
    assert Customer.objects.count() == 1
    assert list(Contact.objects.filter(customer=existing).values_list("name", "phone")) == [
        ("Li Wei", "010-1234")
    ]


def test_a_customer_with_the_same_name_that_the_user_cannot_see_is_not_linked(org):
    hidden = CustomerFactory(name="Huaxia Steel Co., Ltd.", owner=org.rep3, team=org.team2)

    opp = convert(validated_lead(org.rep1), org.rep1)

    assert opp.customer != hidden
    assert Customer.objects.count() == 2
    assert not Contact.objects.filter(customer=hidden).exists()


def test_the_customer_passed_is_used(org):
    chosen = CustomerFactory(name="Huaxia Group", owner=org.rep1, team=org.team1)
    CustomerFactory(name="Huaxia Steel", owner=org.rep1, team=org.team1)

    opp = convert(validated_lead(org.rep1), org.rep1, customer=chosen)

    assert opp.customer == chosen
    assert Contact.objects.get(name="Li Wei").customer == chosen


@pytest.mark.parametrize("state", ["assigned", "converted", "disqualified"])
def test_a_lead_that_is_not_validated_is_not_converted(org, state):
    lead = held_lead(org.rep1, state=state, company_name="Huaxia Steel", contact_name="Li Wei")

    with pytest.raises(TransitionRefused) as caught:
        convert(lead, org.rep1)

    assert missing_codes(caught.value) == {"validated"}
    assert Lead.objects.get(pk=lead.pk).state == state
    assert not Opportunity.objects.exists()
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()
    assert not TransitionLog.objects.exists()


@pytest.mark.parametrize("who", ["rep2", "rep3", "solution", "marketing", "finance"])
def test_someone_who_does_not_work_the_lead_cannot_convert_it(org, who):
    lead = validated_lead(org.rep1)

    with pytest.raises(NotAllowed):
        convert(lead, org.user(who))

    assert Lead.objects.get(pk=lead.pk).state == "validated"
    assert not Opportunity.objects.exists()
    assert not Customer.objects.exists()
