"""Creating a deal (directly or from a lead) and editing its fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadState
from leads.services import works_on as works_on_lead
from ltc.activity.services import log_transition, notify_many
from ltc.core.dates import LONG_AHEAD_DAYS, check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.core.money import format_money
from ltc.core.normalize import company_key
from ltc.customers.models import Contact, Customer
from ltc.integrations.events import emit
from ltc.org.models import Role, User
from ltc.org.scoping import manages

from .. import fieldspec, tracks
from ..models import (
    Grade,
    GradeChange,
    Opportunity,
    OpportunityTask,
    StageHistory,
    TaskRole,
)
from .grading import _set_grade, take_back_if_off_track
from .rules import _is_admin, _locked, _require, opportunity_actions
from .stages import _open_tasks, first_stage, grade_for, process_for

EDITABLE_FIELDS = fieldspec.EDITABLE  # opportunities/fieldspec.py


# Creating -----------------------------------------------------------------------------------
def _check_triangle_member(user: User | None, role: str, field: str) -> None:
    if user is None:
        return
    expected = {
        "solution_owner": {Role.SOLUTION, Role.MANAGER},
        "fulfillment_owner": {Role.DELIVERY, Role.MANAGER},
    }[field]
    if not user.is_active or user.role not in expected:
        raise InvalidInput(
            _("Choose an active user with the %(role)s role.") % {"role": role}, field
        )


@transaction.atomic
def create_opportunity(
    *,
    by,
    customer: Customer,
    name: str,
    amount: Decimal,
    expected_close_date,
    currency: str = "CNY",
    owner: User | None = None,
    partner: str = "",
    solution_owner: User | None = None,
    fulfillment_owner: User | None = None,
    needs: str = "",
    lead: Lead | None = None,
    now: datetime | None = None,
) -> Opportunity:
    now = now or timezone.now()
    owner = owner or by
    _check_new_deal(
        by=by,
        owner=owner,
        amount=amount,
        expected_close_date=expected_close_date,
        solution_owner=solution_owner,
        fulfillment_owner=fulfillment_owner,
    )
    grade = grade_for(amount=amount, partner=partner)
    process = process_for(grade)
    stage = first_stage(process)
    opportunity = Opportunity.objects.create(
        name=name,
        customer=customer,
        amount=amount,
        currency=currency,
        expected_close_date=expected_close_date,
        grade=grade,
        process=process,
        stage=stage,
        probability=stage.probability,
        owner=owner,
        solution_owner=solution_owner,
        fulfillment_owner=fulfillment_owner,
        team=owner.team,
        partner=partner or "",
        lead=lead,
        needs=needs or "",
        stage_entered_at=now,
    )
    _record_start(opportunity, by=by, now=now)
    return opportunity


def _check_new_deal(
    *, by, owner, amount, expected_close_date, solution_owner, fulfillment_owner
) -> None:
    """Who may open the deal, for whom, and its fields: the checks of ``create_opportunity``."""
    if not (_is_admin(by) or by.role in {Role.REP, Role.MANAGER}):
        raise NotAllowed(_("Only sales reps and managers open opportunities."))
    if owner.role not in {Role.REP, Role.MANAGER} or not owner.is_active:
        raise InvalidInput(
            _("The AR of an opportunity is an active sales rep or manager."), "owner"
        )
    if owner.pk != by.pk and not (_is_admin(by) or manages(by, owner)):
        raise InvalidInput(_("You may only open opportunities for yourself or your team."), "owner")
    if amount is None or amount <= 0:
        raise InvalidInput(_("The amount must be positive."), "amount")
    check_business_date(
        expected_close_date, field="expected_close_date", ahead_days=LONG_AHEAD_DAYS
    )
    _check_triangle_member(solution_owner, "SR", "solution_owner")
    _check_triangle_member(fulfillment_owner, "FR", "fulfillment_owner")


def _record_start(opportunity: Opportunity, *, by, now: datetime) -> None:
    """A new deal's first stage entry, its first grade, its log line and its stage's tasks."""
    stage = opportunity.stage
    StageHistory.objects.create(opportunity=opportunity, stage=stage, entered_at=now, entered_by=by)
    GradeChange.objects.create(
        opportunity=opportunity,
        from_grade="",
        to_grade=opportunity.grade,
        reason=str(_("Graded from the amount")),
        by=by,
        at=now,
    )
    log_transition(
        obj=opportunity, transition="create", source="", target=stage.code, actor=by, at=now
    )
    _open_tasks(opportunity)


@transaction.atomic
def convert_lead(
    *,
    lead: Lead,
    user,
    opportunity_name: str,
    amount: Decimal,
    expected_close_date,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> Opportunity:
    """A validated lead becomes an opportunity: its customer (linked or created), a contact from
    the lead's person, and the opportunity that keeps the lead."""
    now = now or timezone.now()
    lead = (
        Lead.objects.select_for_update(of=("self",)).select_related("pool", "owner").get(pk=lead.pk)
    )
    _require(
        works_on_lead(user, lead), _("Only the owner of the lead or their manager converts it.")
    )
    _require_convertible(lead, user=user, customer=customer)
    owner = lead.owner
    customer = _customer_of_lead(lead, user=user, customer=customer)
    opportunity = create_opportunity(
        by=user,
        customer=customer,
        name=opportunity_name,
        amount=amount,
        expected_close_date=expected_close_date,
        currency=lead.currency,
        owner=owner,
        needs=lead.need,
        lead=lead,
        now=now,
        partner="",
    )
    lead.convert(at=now)
    lead.save()
    log_transition(
        obj=lead,
        transition="convert",
        source=LeadState.VALIDATED,
        target=lead.state,
        actor=user,
        at=now,
        comment=f"#{opportunity.pk} {opportunity.name}",
    )
    emit(
        "lead.converted",
        {
            "lead": lead.pk,
            "opportunity": opportunity.pk,
            "customer": customer.pk,
            "converted_at": now,
        },
    )
    return opportunity


def _require_convertible(lead: Lead, *, user, customer: Customer | None) -> None:
    if (
        customer is not None
        and not Customer.objects.visible_to(user).filter(pk=customer.pk).exists()
    ):
        raise InvalidInput(_("Choose a customer you can see."), "customer")
    if lead.state != LeadState.VALIDATED:
        raise TransitionRefused(
            _("Only a validated lead can be converted."),
            [
                Missing(
                    "validated",
                    _("The lead must be validated first (it is “%(state)s”).")
                    % {"state": lead.get_state_display()},
                )
            ],
        )
    ensure_can(lead, "convert", _("This lead cannot be converted."))


def _customer_of_lead(lead: Lead, *, user, customer: Customer | None) -> Customer:
    """The customer a converted lead's deal is for: the one chosen, else the visible customer of
    the lead's company, else a new one (under its pool's rule); with the lead's person as a
    contact."""
    owner = lead.owner
    if customer is None:
        customer = (
            Customer.objects.visible_to(user)
            .filter(name_key=company_key(lead.company_name))
            .order_by("id")
            .first()
        )
    if customer is None:
        from ltc.customers.pool import start_clock

        customer = Customer(name=lead.company_name, owner=owner, team=owner.team)
        start_clock(customer, owner=owner, now=timezone.now())  # under its pool's rule
        customer.save(force_insert=True)
    if lead.contact_name:
        Contact.objects.get_or_create(
            customer=customer,
            name=lead.contact_name,
            defaults={"phone": lead.phone, "email": lead.email},
        )
    return customer


@transaction.atomic
def update_opportunity(*, opportunity: Opportunity, by, **fields) -> Opportunity:
    opportunity = _locked(opportunity.pk)
    opportunity_actions(by, opportunity)["edit"].require()
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here."), sorted(unknown)[0])
    _check_edit(opportunity, by=by, fields=fields)
    changed = [
        f
        for f in ("solution_owner", "fulfillment_owner")
        if f in fields and getattr(opportunity, f"{f}_id") != getattr(fields[f], "pk", None)
    ]
    newly = [(f, fields[f]) for f in changed if fields[f] is not None]
    for name, value in fields.items():
        setattr(opportunity, name, value)
    if "amount" in fields:
        if opportunity.amount is None or opportunity.amount <= 0:
            raise InvalidInput(_("The amount must be positive."), "amount")
        # A grade a manager raised stays unless the amount itself now earns a higher one.
        grade = tracks.grade_with_amount(opportunity, opportunity.amount)
        _set_grade(opportunity, grade, str(_("Amount changed")), by)
    opportunity.save()
    if "amount" in fields:
        take_back_if_off_track(
            opportunity,
            by=by,
            cause=str(
                _("The amount changed to %(amount)s.")
                % {"amount": format_money(opportunity.amount, opportunity.currency)}
            ),
        )
    _hand_over_roles(opportunity, changed=changed, newly=newly)
    return opportunity


def _check_edit(opportunity: Opportunity, *, by, fields: dict) -> None:
    """What ``update_opportunity`` checks before it changes anything."""
    if "solution_owner" in fields or "fulfillment_owner" in fields:
        opportunity_actions(by, opportunity)["form_triangle"].require()
    if "partner" in fields and bool(fields["partner"].strip()) != (opportunity.grade == Grade.E):
        raise InvalidInput(
            _(
                "A deal moves between the partner track and our own tracks only by a new opportunity."
            ),
            "partner",
        )
    _check_triangle_member(fields.get("solution_owner"), "SR", "solution_owner")
    _check_triangle_member(fields.get("fulfillment_owner"), "FR", "fulfillment_owner")
    check_business_date(
        fields.get("expected_close_date"), field="expected_close_date", ahead_days=LONG_AHEAD_DAYS
    )
    check_business_date(fields.get("bid_date"), field="bid_date", ahead_days=LONG_AHEAD_DAYS)


def _hand_over_roles(opportunity: Opportunity, *, changed: list, newly: list) -> None:
    """A new SR or FR takes over the role's open tasks and is told."""
    for field, role in (("solution_owner", TaskRole.SR), ("fulfillment_owner", TaskRole.FR)):
        if field in changed:
            OpportunityTask.objects.filter(
                opportunity=opportunity, role=role, done_at__isnull=True
            ).update(assignee=getattr(opportunity, field))
    if newly:
        labels = {"solution_owner": "SR", "fulfillment_owner": "FR"}
        notify_many(
            (
                user,
                "opportunity_assigned",
                {"role": labels[f], "name": opportunity.name},
                f"/opportunities/{opportunity.pk}/",
            )
            for f, user in newly
        )
