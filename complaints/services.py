"""Every operation that changes a complaint: one transaction each, the row locked, every missing
item listed in a refusal, the transition logged, the people concerned told."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify_many
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import unmet
from ltc.org.models import Role, User
from ltc.org.scoping import managers_of

from . import rules
from .models import (
    AWAITING_RESPONSE,
    UNRESOLVED,
    Category,
    Complaint,
    ConfirmationChannel,
    CustomerConfirmation,
    Severity,
    SlaPolicy,
)

# The SLA when no row of the severity is configured (the data migration seeds the same).
DEFAULT_SLA = {
    Severity.CRITICAL: (2, 24),
    Severity.HIGH: (4, 72),
    Severity.MEDIUM: (8, 120),
    Severity.LOW: (24, 240),
}


def sla_hours(severity: str) -> tuple[int, int]:
    """(respond within, resolve within) in hours for ``severity``."""
    row = SlaPolicy.objects.filter(severity=severity).values_list(
        "response_hours", "resolution_hours"
    )
    found = row.first()
    return found if found else DEFAULT_SLA[Severity(severity)]


def _url(complaint: Complaint) -> str:
    return f"/complaints/{complaint.pk}/"


def _subject(*, by, customer, contract, order, unit) -> tuple:
    """(customer, contract, order, unit) of the most precise record named, each visible to
    ``by``; a record that does not belong to the one above it is refused naming its field."""
    from contracts.models import Contract
    from delivery.models import DeliveryUnit, Order
    from ltc.customers.models import Customer

    def visible(model, obj, field):
        if obj is None:
            return None
        pk = getattr(obj, "pk", obj)
        found = model.objects.visible_to(by).filter(pk=pk).first() if pk else None
        if found is None:
            raise InvalidInput(_("No such record, or not one you may see."), field)
        return found

    unit = visible(DeliveryUnit, unit, "unit")
    order = visible(Order, order, "order")
    contract = visible(Contract, contract, "contract")
    customer = visible(Customer, customer, "customer")
    if unit is not None:
        if order is not None and order.pk != unit.order_id:
            raise InvalidInput(_("The unit is not one of this order's."), "unit")
        order = order or unit.order
    if order is not None:
        if contract is not None and contract.pk != order.contract_id:
            raise InvalidInput(_("The order is not one of this contract's."), "order")
        contract = contract or order.contract
    if contract is not None:
        if customer is not None and customer.pk != contract.customer_id:
            raise InvalidInput(_("The contract is not this customer's."), "contract")
        customer = customer or contract.customer
    if customer is None:
        raise InvalidInput(_("Name the customer, contract, order or unit."), "customer")
    return customer, contract, order, unit


def _default_owner(customer, contract, by):
    """The deal's FR, else the customer's account owner, else whoever opens it."""
    if contract is not None and contract.opportunity.fulfillment_owner_id:
        return contract.opportunity.fulfillment_owner
    return customer.owner or by


def _check_owner(owner, field: str = "owner"):
    if not isinstance(owner, User) or not owner.is_active or owner.role == Role.INTEGRATION:
        raise InvalidInput(_("Pick an active person as the owner."), field)
    return owner


@transaction.atomic
def open_complaint(
    *,
    by,
    title: str,
    category: str,
    severity: str,
    description: str = "",
    customer=None,
    contract=None,
    order=None,
    unit=None,
    owner=None,
    now: datetime | None = None,
) -> Complaint:
    """A complaint on the record named; its due times come from its severity's SLA."""
    if not rules.may_open(by):
        raise NotAllowed(_("Your role may not open complaints."))
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Give the complaint a title."), "title")
    if category not in Category.values:
        raise InvalidInput(_("Pick a category."), "category")
    if severity not in Severity.values:
        raise InvalidInput(_("Pick a severity."), "severity")
    customer, contract, order, unit = _subject(
        by=by, customer=customer, contract=contract, order=order, unit=unit
    )
    now = now or timezone.now()
    respond, resolve = sla_hours(severity)
    if owner is not None and not rules.may_pick_owner(by):
        raise NotAllowed(_("Only a manager picks another owner; the default owner is used."))
    owner = _check_owner(owner) if owner is not None else _default_owner(customer, contract, by)
    deal_team = contract.opportunity.team_id if contract is not None else None
    complaint = Complaint.objects.create(
        customer=customer,
        contract=contract,
        order=order,
        unit=unit,
        team_id=deal_team or customer.team_id or owner.team_id,
        title=title[:200],
        description=(description or "").strip()[:5000],
        category=category,
        severity=severity,
        owner=owner,
        opened_by=by,
        opened_at=now,
        response_due_at=now + timedelta(hours=respond),
        resolution_due_at=now + timedelta(hours=resolve),
    )
    log_transition(obj=complaint, transition="open", source="", target=complaint.state, actor=by)
    if owner.pk != by.pk:
        _tell([owner.pk], "complaint_assigned", complaint, by)
    return complaint


def _tell(user_ids, kind: str, complaint: Complaint, by=None, **params) -> None:
    base = {
        "number": complaint.number,
        "title": complaint.title,
        "customer": complaint.customer.name,
        "by": str(by) if by else "",
        **params,
    }
    notify_many([(pk, kind, base, _url(complaint)) for pk in set(user_ids) if pk])


def _locked(complaint: Complaint, by, action: str) -> Complaint:
    locked = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("customer", "owner")
        .get(pk=complaint.pk)
    )
    if not rules.may(by, locked, action):
        raise NotAllowed(_("Only the complaint's owner or a manager above it may do this."))
    return locked


def _apply(complaint: Complaint, by, name: str, *, comment: str = "", **kwargs) -> Complaint:
    source = complaint.state
    getattr(complaint, name)(**kwargs)
    complaint.save()
    log_transition(
        obj=complaint,
        transition=name,
        source=source,
        target=complaint.state,
        actor=by,
        comment=comment,
    )
    return complaint


def _refuse_if_missing(complaint: Complaint, name: str, detail, extra=()) -> None:
    missing = [m for m in unmet(complaint, name) if m.code != "confirmation"] + list(extra)
    if missing:
        raise TransitionRefused(detail, missing)


@transaction.atomic
def start_complaint(*, complaint: Complaint, by, comment: str = "", now=None) -> Complaint:
    """Work begins (the first start is the response the SLA's response time asks for)."""
    complaint = _locked(complaint, by, "start")
    _refuse_if_missing(complaint, "start", _("Work on the complaint cannot start."))
    return _apply(complaint, by, "start", comment=comment, at=now or timezone.now())


@transaction.atomic
def resolve_complaint(*, complaint: Complaint, by, resolution: str, now=None) -> Complaint:
    complaint = _locked(complaint, by, "resolve")
    complaint.resolution = (resolution or "").strip()[:5000]
    _refuse_if_missing(complaint, "resolve", _("The complaint cannot be marked resolved."))
    return _apply(complaint, by, "resolve", at=now or timezone.now())


# A confirmation time typed to the minute, or sent by a system whose clock runs a little ahead.
CLOCK_SKEW = timedelta(minutes=5)


def _confirmation_missing(complaint, confirmed_by, channel, confirmed_at, now) -> list[Missing]:
    missing = []
    if not (confirmed_by or "").strip():
        missing.append(Missing("confirmed_by", _("Who at the customer confirmed it")))
    if channel not in ConfirmationChannel.values:
        missing.append(Missing("channel", _("How the customer confirmed it")))
    if confirmed_at is None:
        missing.append(Missing("confirmed_at", _("When the customer confirmed it")))
    elif confirmed_at > now + CLOCK_SKEW or (
        complaint.resolved_at
        and confirmed_at < complaint.resolved_at.replace(second=0, microsecond=0)
    ):
        missing.append(
            Missing(
                "confirmed_at", _("A confirmation time after the resolution, not in the future")
            )
        )
    return missing


@transaction.atomic
def close_complaint(
    *,
    complaint: Complaint,
    by,
    confirmed_by: str,
    channel: str,
    confirmed_at: datetime | None = None,
    contact=None,
    note: str = "",
    now=None,
) -> Complaint:
    """Closed on the customer's confirmation, recorded with who confirmed it, when and how."""
    now = now or timezone.now()
    complaint = _locked(complaint, by, "close")
    if contact is not None and getattr(contact, "customer_id", None) != complaint.customer_id:
        raise InvalidInput(_("The contact is not one of the customer's."), "contact")
    extra = _confirmation_missing(complaint, confirmed_by, channel, confirmed_at, now)
    _refuse_if_missing(complaint, "close", _("The complaint cannot be closed yet."), extra)
    complaint.confirmation = CustomerConfirmation.objects.create(
        complaint=complaint,
        contact=contact,
        confirmed_by=confirmed_by.strip()[:200],
        channel=channel,
        confirmed_at=confirmed_at,
        note=(note or "").strip()[:2000],
        recorded_by=by,
    )
    comment = f"{complaint.confirmation} {confirmed_at:%Y-%m-%d %H:%M}"
    return _apply(complaint, by, "close", comment=comment, at=now)


@transaction.atomic
def reopen_complaint(*, complaint: Complaint, by, reason: str) -> Complaint:
    """The customer says it is not solved: back to work, the resolution clock as it was."""
    complaint = _locked(complaint, by, "reopen")
    reason = (reason or "").strip()
    extra = [] if reason else [Missing("reason", _("Why the complaint is reopened"))]
    _refuse_if_missing(complaint, "reopen", _("The complaint cannot be reopened."), extra)
    complaint = _apply(complaint, by, "reopen", comment=reason[:2000])
    if complaint.owner_id != by.pk:
        _tell([complaint.owner_id], "complaint_reopened", complaint, by, reason=reason[:200])
    return complaint


@transaction.atomic
def reassign_complaint(*, complaint: Complaint, by, owner) -> Complaint:
    complaint = _locked(complaint, by, "reassign")
    owner = _check_owner(owner)
    if owner.pk == complaint.owner_id:
        return complaint
    previous = complaint.owner
    complaint.owner = owner
    complaint.save(update_fields=["owner"])
    log_transition(
        obj=complaint,
        transition="reassign",
        source=complaint.state,
        target=complaint.state,
        actor=by,
        comment=f"{previous} → {owner}",
    )
    _tell([owner.pk], "complaint_assigned", complaint, by)
    return complaint


# The SLA sweep -----------------------------------------------------------------------------------
CLOCKS = (
    ("response", "response_due_at", "response_breached_at", AWAITING_RESPONSE),
    ("resolution", "resolution_due_at", "resolution_breached_at", UNRESOLVED),
)


def flag_sla_breaches(*, now: datetime | None = None) -> int:
    """Mark every complaint whose response or resolution clock ran out, once per clock, and tell
    its owner and the owner's manager. Set-based (one statement per clock), idempotent: a marked
    clock is never marked or told again."""
    now = now or timezone.now()
    total = 0
    for clock, due, mark, states in CLOCKS:
        with transaction.atomic():
            late = Complaint.objects.select_for_update(skip_locked=True).filter(
                state__in=states, **{f"{due}__lt": now, f"{mark}__isnull": True}
            )
            rows = list(late.values_list("id", "owner_id", "title", "customer__name"))
            if not rows:
                continue
            ids = [r[0] for r in rows]
            Complaint.objects.filter(pk__in=ids, **{f"{mark}__isnull": True}).update(**{mark: now})
            managers = managers_of(r[1] for r in rows)
            notices = []
            for pk, owner_id, title, customer in rows:
                params = {
                    "number": f"CP-{pk:05d}",
                    "title": title,
                    "customer": customer,
                    "clock": clock,
                }
                url = f"/complaints/{pk}/"
                notices.append((owner_id, f"complaint_{clock}_breached", params, url))
                notices.extend(
                    (m, f"complaint_{clock}_breached_team", params, url)
                    for m in managers.get(owner_id, [])
                )
            notify_many(notices)
            total += len(rows)
    return total
