"""The complaint's rules at the service level: subject, owner and SLA at opening, the state
machine with every missing item named, the customer's recorded confirmation, reopening,
reassignment, visibility and the idempotent SLA sweep."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints import rules, services
from complaints.models import Complaint, CustomerConfirmation, SlaPolicy
from complaints.selectors import timeline
from complaints.services import flag_sla_breaches
from ltc.activity.models import Notification
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused

from ..api.test_contracts_api import contract_in
from ..api.test_delivery_api import placed_order, units_of
from .steps import complaint_in, confirmation


def codes(exc) -> list[str]:
    return [m.code for m in exc.value.missing]


def test_a_complaint_on_a_unit_fills_in_its_order_contract_and_customer(org):
    order = placed_order(org)
    unit = units_of(order)[0]
    complaint = services.open_complaint(
        by=org.rep1, unit=unit, title="Dented", category="quality", severity="medium"
    )
    assert (complaint.unit, complaint.order, complaint.contract) == (unit, order, order.contract)
    assert complaint.customer == order.contract.customer
    assert complaint.owner == org.delivery  # the deal's FR by default
    assert complaint.team == org.team1


def test_due_times_come_from_the_severitys_sla_configured_as_data(org):
    SlaPolicy.objects.filter(severity="critical").update(response_hours=1, resolution_hours=10)
    now = timezone.now()
    complaint = services.open_complaint(
        by=org.rep1,
        contract=contract_in(org, "signed"),
        title="Site down",
        category="service",
        severity="critical",
        now=now,
    )
    assert complaint.response_due_at == now + timedelta(hours=1)
    assert complaint.resolution_due_at == now + timedelta(hours=10)


def test_the_default_slas_are_seeded_for_every_severity(db):
    assert dict(SlaPolicy.objects.values_list("severity", "resolution_hours")) == {
        "critical": 24,
        "high": 72,
        "medium": 120,
        "low": 240,
    }


def test_a_complaint_on_the_customer_alone_is_owned_by_its_account_owner(org):
    customer = contract_in(org, "signed").customer
    complaint = services.open_complaint(
        by=org.manager, customer=customer, title="Rude call", category="service", severity="low"
    )
    assert complaint.contract is None and complaint.owner == org.rep1


def test_a_record_the_opener_cannot_see_is_refused_naming_its_field(org):
    contract = contract_in(org, "signed")
    with pytest.raises(InvalidInput) as exc:
        services.open_complaint(
            by=org.rep3, contract=contract, title="x", category="quality", severity="low"
        )
    assert exc.value.field == "contract"
    with pytest.raises(NotAllowed):
        services.open_complaint(
            by=org.finance, contract=contract, title="x", category="quality", severity="low"
        )


def test_an_order_of_another_contract_is_refused(org):
    order = placed_order(org)
    other = contract_in(org, "signed")
    with pytest.raises(InvalidInput) as exc:
        services.open_complaint(
            by=org.rep1, contract=other, order=order, title="x", category="quality", severity="low"
        )
    assert exc.value.field == "order"


def test_resolving_needs_what_was_done(org):
    complaint = complaint_in(org, "in_progress")
    with pytest.raises(TransitionRefused) as exc:
        services.resolve_complaint(complaint=complaint, by=org.delivery, resolution=" ")
    assert codes(exc) == ["resolution"]
    assert Complaint.objects.get(pk=complaint.pk).state == "in_progress"


def test_closing_without_the_customers_confirmation_lists_every_missing_item(org):
    complaint = complaint_in(org, "resolved")
    with pytest.raises(TransitionRefused) as exc:
        services.close_complaint(complaint=complaint, by=org.delivery, confirmed_by="", channel="")
    assert codes(exc) == ["confirmed_by", "channel", "confirmed_at"]
    assert not CustomerConfirmation.objects.exists()
    assert Complaint.objects.get(pk=complaint.pk).state == "resolved"


def test_a_confirmation_in_the_future_or_before_the_resolution_is_refused(org):
    complaint = complaint_in(org, "resolved")
    for when in (timezone.now() + timedelta(hours=1), complaint.resolved_at - timedelta(hours=1)):
        with pytest.raises(TransitionRefused) as exc:
            services.close_complaint(
                complaint=complaint, by=org.delivery, **confirmation(confirmed_at=when)
            )
        assert codes(exc) == ["confirmed_at"]


def test_closing_records_who_confirmed_when_and_how(org):
    complaint = complaint_in(org, "closed")
    recorded = complaint.confirmation
    assert complaint.state == "closed" and complaint.closed_at is not None
    assert (recorded.confirmed_by, recorded.channel, recorded.recorded_by) == (
        "Mr Li, site manager",
        "phone",
        org.delivery,
    )
    transitions = [t.transition for t in timeline(complaint)]
    assert transitions == ["open", "start", "resolve", "close"]


def test_closing_an_unresolved_complaint_names_its_state(org):
    complaint = complaint_in(org, "in_progress")
    with pytest.raises(TransitionRefused) as exc:
        services.close_complaint(complaint=complaint, by=org.delivery, **confirmation())
    assert codes(exc) == ["state"]


def test_reopening_needs_a_reason_and_clears_the_confirmation_but_keeps_it(org):
    complaint = complaint_in(org, "closed")
    with pytest.raises(TransitionRefused) as exc:
        services.reopen_complaint(complaint=complaint, by=org.rep1, reason="")
    assert codes(exc) == ["reason"]
    reopened = services.reopen_complaint(complaint=complaint, by=org.rep1, reason="Still dented")
    assert reopened.state == "reopened" and reopened.confirmation is None
    assert reopened.reopen_count == 1 and reopened.resolved_at is None
    assert CustomerConfirmation.objects.filter(complaint=complaint).count() == 1
    assert Notification.objects.filter(recipient=org.delivery, kind="complaint_reopened").exists()
    again = services.start_complaint(complaint=reopened, by=org.delivery)
    assert again.state == "in_progress"


def test_only_the_owner_or_a_manager_works_on_it_and_only_a_manager_reassigns(org):
    complaint = complaint_in(org)
    with pytest.raises(NotAllowed):
        services.start_complaint(complaint=complaint, by=org.solution)
    with pytest.raises(NotAllowed):
        services.reassign_complaint(complaint=complaint, by=org.delivery, owner=org.rep2)
    moved = services.reassign_complaint(complaint=complaint, by=org.manager, owner=org.rep2)
    assert moved.owner == org.rep2
    assert Notification.objects.filter(recipient=org.rep2, kind="complaint_assigned").exists()
    assert rules.actions_for(org.rep2, moved) == ["start"]
    assert rules.actions_for(org.manager, moved) == ["start", "reassign"]


def test_whoever_sees_the_subject_sees_its_complaints(org):
    on_contract = complaint_in(org)
    on_customer = services.open_complaint(
        by=org.rep1,
        customer=on_contract.customer,
        title="Invoice address wrong",
        category="billing",
        severity="low",
    )
    seen = {
        name: set(Complaint.objects.visible_to(org.user(name)).values_list("pk", flat=True))
        for name in ("rep1", "rep2", "rep3", "delivery", "finance", "marketing", "manager")
    }
    both = {on_contract.pk, on_customer.pk}
    assert seen["rep1"] == seen["finance"] == seen["manager"] == both
    assert seen["delivery"] == both  # the FR sees the deal, hence its customer
    assert seen["marketing"] == {on_customer.pk}  # sees customers, not contracts
    assert seen["rep2"] == seen["rep3"] == set()


def test_the_sla_sweep_marks_each_breach_once_and_tells_owner_and_manager(org):
    complaint = complaint_in(org, severity="high")  # respond in 4 h, resolve in 72 h
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert flag_sla_breaches() == 1
        assert flag_sla_breaches() == 0
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.response_breached_at is not None and fresh.resolution_breached_at is None
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert ("delivery", "complaint_response_breached") in kinds
    assert ("manager", "complaint_response_breached_team") in kinds
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert flag_sla_breaches() == 1
        assert flag_sla_breaches() == 0
    assert Complaint.objects.get(pk=complaint.pk).resolution_breached_at is not None


def test_a_complaint_handled_in_time_is_never_flagged(org):
    complaint = complaint_in(org, "closed")
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert flag_sla_breaches() == 0
        assert not Complaint.objects.get(pk=complaint.pk).breached(timezone.now())


def test_the_sweep_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "complaints.tasks.flag_sla_breaches" in tasks


def test_the_beat_task_runs_the_same_sweep(org):
    from complaints import tasks

    complaint_in(org, severity="critical")
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert tasks.flag_sla_breaches() == 1  # called in-process: no eager mode
        assert tasks.flag_sla_breaches() == 0
