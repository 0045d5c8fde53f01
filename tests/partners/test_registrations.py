"""Deal registration (伙伴报备): register, the conflict check, accept, reject, renew, expire."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from ltc.activity.models import Notification, TransitionLog
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from partners import services
from partners.models import DealRegistration
from partners.selectors import conflicts_of, similar_projects

from ..factories import CustomerFactory, opportunity
from .steps import register

pytestmark = pytest.mark.django_db


def missing(exc) -> set[str]:
    return {m.code for m in exc.missing}


def test_a_registration_without_conflict_waits_for_the_channel_manager(org, partner_org):
    registration = register(org)

    assert (registration.state, registration.conflicts) == ("submitted", [])
    assert registration.partner == partner_org
    assert Notification.objects.filter(
        recipient=org.manager, kind="registration_submitted"
    ).exists()


@pytest.mark.parametrize("name", ["rep1", "manager", "admin", "finance"])
def test_only_partner_users_register_deals(org, partner_org, name):
    with pytest.raises(NotAllowed):
        register(org, by=org.user(name))


@pytest.mark.parametrize(
    ("field", "value"),
    [("customer_name", " "), ("project_name", ""), ("amount", "-1"), ("currency", "XXX")],
)
def test_bad_input_names_the_field(org, partner_org, field, value):
    with pytest.raises(InvalidInput) as caught:
        register(org, **{field: value})
    assert caught.value.field == field
    assert not DealRegistration.objects.exists()


def test_similar_projects_are_told_apart_from_different_ones():
    assert similar_projects("智能工厂 MES 一期", "智能工厂MES一期项目")
    assert similar_projects("Smart factory MES phase 1", "smart-factory mes phase 1")
    assert not similar_projects("智能工厂 MES 一期", "办公楼空调改造")


def test_our_own_open_deal_for_the_same_customer_and_project_is_a_conflict(org, partner_org):
    customer = CustomerFactory(name="华东钢铁集团", owner=org.rep1, team=org.team1)
    deal = opportunity(org.rep1, customer=customer, name="智能工厂MES一期")
    opportunity(org.rep1, customer=customer, name="办公楼空调改造")

    registration = register(org)

    assert registration.state == "in_review"
    assert registration.conflicts == [{"kind": "opportunity", "id": deal.pk}]
    assert Notification.objects.filter(recipient=org.manager, kind="registration_conflict").exists()
    assert TransitionLog.objects.filter(
        object_id=registration.pk, transition="flag_conflict"
    ).exists()


def test_another_partners_open_registration_is_a_conflict(org, partner_org):
    first = register(org)
    second = register(org, customer_name="华东钢铁集团", project_name="MES 一期 智能工厂")

    assert second.state == "in_review"
    assert [c["id"] for c in conflicts_of(second)] == [first.pk]


def test_accepting_creates_the_protected_e_deal_with_its_registration_approved(org, partner_org):
    registration = register(org)

    accepted = services.accept_registration(
        registration=registration, by=org.manager, owner=org.rep1
    )

    deal = accepted.opportunity
    assert accepted.state == "accepted"
    assert accepted.protected_until == timezone.localdate() + timedelta(days=90)
    assert (deal.grade, deal.stage.code, deal.partner, deal.owner) == (
        "E",
        "approved",
        "Acme Partner",
        org.rep1,
    )
    assert deal.amount == Decimal("800000.00")
    assert deal.customer.name == "华东钢铁集团有限公司"
    assert Notification.objects.filter(recipient=org.partner, kind="registration_decided").exists()


def test_accepting_needs_an_ar_and_for_a_conflict_a_note(org, partner_org):
    customer = CustomerFactory(name="华东钢铁集团", owner=org.rep1, team=org.team1)
    opportunity(org.rep1, customer=customer, name="智能工厂MES一期")
    registration = register(org)

    with pytest.raises(TransitionRefused) as caught:
        services.accept_registration(registration=registration, by=org.manager)

    assert missing(caught.value) == {"owner", "conflict_note"}
    assert DealRegistration.objects.get(pk=registration.pk).state == "in_review"

    accepted = services.accept_registration(
        registration=registration, by=org.manager, owner=org.rep1, note="Our deal is stalled"
    )
    assert accepted.opportunity.customer == customer


@pytest.mark.parametrize("name", ["rep1", "rep3", "finance", "partner"])
def test_only_the_channel_manager_or_above_decides(org, partner_org, name):
    registration = register(org)
    with pytest.raises(NotAllowed):
        services.accept_registration(registration=registration, by=org.user(name), owner=org.rep1)
    with pytest.raises(NotAllowed):
        services.reject_registration(registration=registration, by=org.user(name), reason="no")


def test_the_channel_manager_chooses_an_ar_of_their_team_other_than_themselves(org, partner_org):
    registration = register(org)
    for owner in (org.manager, org.rep3, org.finance):
        with pytest.raises(InvalidInput) as caught:
            services.accept_registration(registration=registration, by=org.manager, owner=owner)
        assert caught.value.field == "owner"


def test_rejecting_needs_a_reason(org, partner_org):
    registration = register(org)
    with pytest.raises(TransitionRefused) as caught:
        services.reject_registration(registration=registration, by=org.manager, reason=" ")
    assert missing(caught.value) == {"rejection_reason"}

    rejected = services.reject_registration(
        registration=registration, by=org.manager, reason="We already work this project"
    )
    assert (rejected.state, rejected.opportunity) == ("rejected", None)
    with pytest.raises(TransitionRefused) as caught:
        services.accept_registration(registration=rejected, by=org.manager, owner=org.rep1)
    assert "state" in missing(caught.value)


def test_protection_expires_once_and_can_be_renewed(org, partner_org):
    start = timezone.now()
    registration = services.accept_registration(
        registration=register(org), by=org.manager, owner=org.rep1
    )
    later = start + timedelta(days=91)

    with time_machine.travel(later, tick=False):
        assert services.expire_protections() == 1
        assert services.expire_protections() == 0
        expired = DealRegistration.objects.get(pk=registration.pk)
        assert expired.state == "expired"
        assert Notification.objects.filter(
            recipient=org.partner, kind="registration_expired"
        ).exists()

        renewed = services.renew_registration(registration=expired, by=org.manager)

    assert renewed.state == "accepted"
    assert renewed.protected_until == timezone.localdate(later) + timedelta(days=90)
    assert renewed.renewals == 1


def test_protection_does_not_expire_before_its_day_nor_for_a_closed_deal(org, partner_org):
    registration = services.accept_registration(
        registration=register(org), by=org.manager, owner=org.rep1
    )
    with time_machine.travel(timezone.now() + timedelta(days=90), tick=False):
        assert services.expire_protections() == 0
    from opportunities import services as deals

    deals.win_partner_deal(opportunity=registration.opportunity, user=org.rep1)
    with time_machine.travel(timezone.now() + timedelta(days=200), tick=False):
        assert services.expire_protections() == 0
        with pytest.raises(TransitionRefused) as caught:
            services.renew_registration(registration=registration, by=org.manager)
    assert missing(caught.value) == {"deal_open"}


def test_the_expiry_is_a_registered_task_in_the_beat_schedule(settings, org, partner_org):
    from ltc.celery import app
    from partners import tasks

    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "partners.tasks.expire_protections" in entries
    app.loader.import_default_modules()
    assert "partners.tasks.expire_protections" in app.tasks
    services.accept_registration(registration=register(org), by=org.manager, owner=org.rep1)
    with time_machine.travel(timezone.now() + timedelta(days=120), tick=False):
        assert tasks.expire_protections.run() == 1
        assert tasks.expire_protections.run() == 0
