"""Every change to partners' registrations: register, accept, reject, renew, expire."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, log_transitions_bulk, notify, notify_many
from ltc.core.dates import LONG_AHEAD_DAYS, check_business_date
from ltc.core.errors import InvalidInput, NotAllowed
from ltc.core.fsm import ensure_can
from ltc.core.money import Currency, quantize
from ltc.org.models import Role
from ltc.org.scoping import manages

from . import rules
from .models import DealRegistration, Partner, PartnerMembership, RegistrationState
from .querysets import partner_id_of
from .selectors import conflicts_of

S = RegistrationState


def _text(value, field: str, *, max_length: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise InvalidInput(_("Enter text."), field)
    if required and not text:
        raise InvalidInput(_("This field is required."), field)
    if len(text) > max_length:
        raise InvalidInput(
            _("At most %(n)s characters.") % {"n": max_length},
            field,
        )
    return text


def _amount(value) -> Decimal:
    try:
        amount = quantize(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Enter an amount."), "amount")
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e13"):
        raise InvalidInput(_("The amount must be positive."), "amount")
    return amount


@transaction.atomic
def register_deal(
    *,
    by,
    customer_name: str,
    project_name: str,
    amount,
    expected_close_date: date,
    currency: str = "CNY",
    description: str = "",
    now: datetime | None = None,
) -> DealRegistration:
    """A partner user registers a deal. The conflict check runs at once: a registration that
    conflicts waits in review, and the channel manager is told either way."""
    now = now or timezone.now()
    if not rules.may_register(by):
        raise NotAllowed(_("Only the users of an active partner register deals."))
    if currency not in Currency.values:
        raise InvalidInput(_("Unknown currency."), "currency")
    check_business_date(
        expected_close_date, field="expected_close_date", ahead_days=LONG_AHEAD_DAYS
    )
    registration = DealRegistration.objects.create(
        partner_id=partner_id_of(by),
        submitted_by=by,
        customer_name=_text(customer_name, "customer_name", max_length=200),
        project_name=_text(project_name, "project_name", max_length=200),
        amount=_amount(amount),
        currency=currency,
        expected_close_date=expected_close_date,
        description=_text(description, "description", max_length=5000, required=False),
        created_at=now,
    )
    log_transition(obj=registration, transition="submit", source="", target=S.SUBMITTED, actor=by)
    conflicts = conflicts_of(registration)
    if conflicts:
        registration.flag_conflict(
            conflicts=[{"kind": c["kind"], "id": c["id"]} for c in conflicts]
        )
        registration.save()
        log_transition(
            obj=registration,
            transition="flag_conflict",
            source=S.SUBMITTED,
            target=S.IN_REVIEW,
            actor=by,
            comment="; ".join(str(c["label"]) for c in conflicts),
        )
    partner = registration.partner
    notify(
        [partner.channel_manager_id],
        kind="registration_conflict" if conflicts else "registration_submitted",
        params={
            "partner": partner.name,
            "project": registration.project_name,
            "customer": registration.customer_name,
            "count": len(conflicts),
        },
        url=f"/partners/registrations/{registration.pk}/",
    )
    return registration


def _locked(registration: DealRegistration) -> DealRegistration:
    return (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("partner", "partner__channel_manager", "opportunity")
        .get(pk=registration.pk)
    )


def _require_decider(user, registration: DealRegistration) -> None:
    if not rules.may_decide(user, registration):
        raise NotAllowed(_("The partner's channel manager or a manager above them decides."))


def _check_owner(by, owner) -> None:
    if owner is None:
        return
    if owner.role not in {Role.REP, Role.MANAGER} or not owner.is_active:
        raise InvalidInput(_("The AR of a deal is an active sales rep or manager."), "owner")
    if owner.pk == by.pk:
        raise InvalidInput(
            _("Choose an AR other than yourself: you approve the registration on the deal."),
            "owner",
        )
    if not (by.is_superuser or by.role == Role.ADMIN or manages(by, owner)):
        raise InvalidInput(_("Choose an AR of your team."), "owner")


def _decided(registration: DealRegistration, by) -> None:
    notify(
        PartnerMembership.objects.filter(partner_id=registration.partner_id).values_list(
            "user_id", flat=True
        ),
        kind="registration_decided",
        params={
            "project": registration.project_name,
            "customer": registration.customer_name,
            "decision": str(registration.get_state_display()),
        },
        url=f"/portal/registrations/{registration.pk}/",
    )


@transaction.atomic
def accept_registration(
    *,
    registration: DealRegistration,
    by,
    owner=None,
    customer=None,
    note: str = "",
    now: datetime | None = None,
) -> DealRegistration:
    """Accept: the E deal is created for the registration's customer (an existing customer of
    the same name, or a new one), its registration approved on the deal, and the deal protected
    for the partner for the partner's protection days."""
    from .deals import open_partner_deal

    now = now or timezone.now()
    registration = _locked(registration)
    _require_decider(by, registration)
    _check_owner(by, owner)
    source = registration.state
    registration.owner = owner or registration.owner
    registration.decision_note = _text(note, "note", max_length=2000, required=False)
    ensure_can(registration, "accept", _("The registration cannot be accepted yet."))
    deal = open_partner_deal(registration=registration, by=by, customer=customer, now=now)
    until = timezone.localdate(now) + timedelta(days=registration.partner.protection_days)
    registration.opportunity = deal
    registration.accept(by=by, at=now, until=until)
    registration.save()
    log_transition(
        obj=registration,
        transition="accept",
        source=source,
        target=registration.state,
        actor=by,
        comment=registration.decision_note,
        at=now,
    )
    _decided(registration, by)
    return registration


@transaction.atomic
def reject_registration(
    *, registration: DealRegistration, by, reason: str, now: datetime | None = None
) -> DealRegistration:
    now = now or timezone.now()
    registration = _locked(registration)
    _require_decider(by, registration)
    source = registration.state
    registration.rejection_reason = _text(reason, "reason", max_length=2000, required=False)
    ensure_can(registration, "reject", _("The registration cannot be rejected yet."))
    registration.reject(by=by, at=now)
    registration.save()
    log_transition(
        obj=registration,
        transition="reject",
        source=source,
        target=registration.state,
        actor=by,
        comment=registration.rejection_reason,
        at=now,
    )
    _decided(registration, by)
    return registration


@transaction.atomic
def renew_registration(
    *, registration: DealRegistration, by, now: datetime | None = None
) -> DealRegistration:
    """Another protection period, counted from today or from the current end if later."""
    now = now or timezone.now()
    registration = _locked(registration)
    _require_decider(by, registration)
    source = registration.state
    ensure_can(registration, "renew", _("The protection cannot be renewed."))
    today = timezone.localdate(now)
    start = max(today, registration.protected_until or today)
    registration.renew(until=start + timedelta(days=registration.partner.protection_days))
    registration.save()
    log_transition(
        obj=registration,
        transition="renew",
        source=source,
        target=registration.state,
        actor=by,
        comment=str(registration.protected_until),
        at=now,
    )
    return registration


def expire_protections(*, now: datetime | None = None) -> int:
    """Every accepted registration of an open deal whose protection ended before today becomes
    expired, in one statement; its partner's users and channel manager are told. Idempotent: a
    second run finds none."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        lapsed = list(
            DealRegistration.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(state=S.ACCEPTED, protected_until__lt=today, opportunity__state="open")
            .select_related("partner")
        )
        if not lapsed:
            return 0
        ids = [r.pk for r in lapsed]
        DealRegistration.objects.filter(pk__in=ids, state=S.ACCEPTED).update(
            state=S.EXPIRED, updated_at=now
        )
        log_transitions_bulk(
            model=DealRegistration,
            object_ids=ids,
            transition="expire",
            source=S.ACCEPTED,
            target=S.EXPIRED,
            at=now,
        )
        members: dict[int, list[int]] = {}
        for partner_id, user_id in PartnerMembership.objects.filter(
            partner_id__in={r.partner_id for r in lapsed}
        ).values_list("partner_id", "user_id"):
            members.setdefault(partner_id, []).append(user_id)
        items = []
        for r in lapsed:
            params = {
                "project": r.project_name,
                "customer": r.customer_name,
                "partner": r.partner.name,
            }
            items.append(
                (
                    r.partner.channel_manager_id,
                    "registration_expired",
                    params,
                    f"/partners/registrations/{r.pk}/",
                )
            )
            items += [
                (user_id, "registration_expired", params, f"/portal/registrations/{r.pk}/")
                for user_id in members.get(r.partner_id, [])
            ]
        notify_many(items)
    return len(ids)


@transaction.atomic
def add_partner_user(*, partner: Partner, user) -> PartnerMembership:
    """Make ``user`` a partner user of ``partner`` (the admin and the demo use it)."""
    if user.role != Role.PARTNER or user.is_superuser:
        raise InvalidInput(_("Only a user with the partner role joins a partner."), "user")
    membership, _created = PartnerMembership.objects.update_or_create(
        user=user, defaults={"partner": partner}
    )
    return membership
