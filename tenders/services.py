"""Every operation that changes a tender. One transaction each; errors name what is missing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.dates import LONG_AHEAD_DAYS, check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.core.money import Currency, quantize
from opportunities import services as deals
from opportunities.models import Competitor, LossReason, Opportunity

from . import deadlines, rules
from .models import ACTIVE_STATES, BidRole, Tender, TenderState, TenderTask

EDITABLE_FIELDS = (
    "number",
    "issuer",
    "questions_due_at",
    "submission_due_at",
    "bond_amount",
    "bond_currency",
    "price_currency",
)


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


def _locked(pk: int) -> Tender:
    Tender.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()
    return Tender.objects.select_related("opportunity", "opportunity__owner").get(pk=pk)


def _money(value, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(_("Give the amount."), field)
        return None
    try:
        amount = quantize(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(_("Give the amount as a number."), field) from None
    if amount < 0 or amount >= Decimal("1e14"):
        raise InvalidInput(_("Give an amount from 0 to 99,999,999,999,999."), field)
    if required and amount == 0:
        raise InvalidInput(_("Give an amount above zero."), field)
    return amount


def _currency(value: str, field: str, default: str) -> str:
    value = (value or default or "").upper()
    if value not in Currency.values:
        raise InvalidInput(_("Choose one of the currencies."), field)
    return value


def _moment(value, field: str, *, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            raise InvalidInput(_("Give the date and time."), field)
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise InvalidInput(_("Give the date and time."), field)
    check_business_date(timezone.localtime(value).date(), field=field, ahead_days=LONG_AHEAD_DAYS)
    return value


def _clean(fields: dict, tender: Tender | None, currency: str) -> dict:
    """The editable fields as stored, each checked; a wrong one is a 400 naming it."""
    clean = {}
    for name in ("number", "issuer"):
        if name in fields:
            text = (fields[name] or "").strip()
            if not text:
                raise InvalidInput(_("This field is required."), name)
            clean[name] = text
    for name in ("questions_due_at", "submission_due_at"):
        if name in fields:
            clean[name] = _moment(fields[name], name, required=name == "submission_due_at")
    if "bond_amount" in fields:
        clean["bond_amount"] = _money(fields["bond_amount"], "bond_amount")
    for name in ("bond_currency", "price_currency"):
        if name in fields:
            clean[name] = _currency(fields[name], name, currency)
    questions = clean.get("questions_due_at", tender.questions_due_at if tender else None)
    submission = clean.get("submission_due_at", tender.submission_due_at if tender else None)
    if questions and submission and questions > submission:
        raise InvalidInput(_("Questions close before the submission deadline."), "questions_due_at")
    return clean


@transaction.atomic
def create_tender(*, opportunity: Opportunity, by, **fields) -> Tender:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    _require(
        deals.works_on(by, opportunity),
        _("Only the iron triangle and its managers record the deal's tenders."),
    )
    if not opportunity.is_open:
        raise TransitionRefused(
            _("The opportunity is closed."), [Missing("state", _("The opportunity is open"))]
        )
    if Tender.objects.filter(opportunity=opportunity, state__in=ACTIVE_STATES).exists():
        raise TransitionRefused(
            _("The deal already has a tender in progress."),
            [Missing("active_tender", _("The tender in progress is decided or cancelled"))],
        )
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field."), sorted(unknown)[0])
    for name in ("number", "issuer", "submission_due_at"):
        fields.setdefault(name, None)
    clean = _clean(fields, None, opportunity.currency)
    clean.setdefault("bond_currency", opportunity.currency)
    clean.setdefault("price_currency", opportunity.currency)
    tender = Tender.objects.create(opportunity=opportunity, created_by=by, **clean)
    deadlines.sync(tender, by=by)
    tender.save(update_fields=["questions_activity", "submission_activity"])
    log_transition(obj=tender, transition="create", source="", target=tender.state, actor=by)
    return tender


@transaction.atomic
def update_tender(*, tender: Tender, by, **fields) -> Tender:
    """Edit the tender while it is in progress; changed deadlines move their planned activities."""
    tender = _locked(tender.pk)
    _require(rules.may_work_on(by, tender), _("Only the iron triangle and its managers edit it."))
    if tender.state not in ACTIVE_STATES:
        raise TransitionRefused(
            _("The tender is decided."),
            [Missing("state", _("The tender is in progress"))],
        )
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field."), sorted(unknown)[0])
    for name, value in _clean(fields, tender, tender.opportunity.currency).items():
        setattr(tender, name, value)
    deadlines.sync(tender, by=by)
    tender.save()
    return tender


@transaction.atomic
def add_task(
    *, tender: Tender, by, member, role: str, task: str, due_on: date | None = None
) -> TenderTask:
    """A task for someone of the bid team: anyone who sees the deal (the triangle, its managers)."""
    tender = _locked(tender.pk)
    _require(rules.may_work_on(by, tender), _("Only the iron triangle and its managers plan it."))
    if tender.state != TenderState.PREPARING:
        raise TransitionRefused(
            _("The bid is submitted."), [Missing("state", _("The tender is being prepared"))]
        )
    if role not in BidRole.values:
        raise InvalidInput(_("Choose the role in the bid."), "role")
    if not (task or "").strip():
        raise InvalidInput(_("Say what is to be done."), "task")
    if (
        member is None
        or not Opportunity.objects.visible_to(member).filter(pk=tender.opportunity_id).exists()
    ):
        raise InvalidInput(_("The bid team is drawn from the people who see the deal."), "member")
    check_business_date(due_on, field="due_on", ahead_days=LONG_AHEAD_DAYS)
    row = TenderTask.objects.create(
        tender=tender, member=member, role=role, task=task.strip(), due_on=due_on
    )
    if member.pk != by.pk:
        notify(
            [member],
            kind="tender_task",
            params={"by": str(by), "number": tender.number, "task": row.task},
            url=reverse("tenders:detail", args=[tender.pk]),
        )
    return row


@transaction.atomic
def complete_task(*, task: TenderTask, by, now: datetime | None = None) -> TenderTask:
    task = (
        TenderTask.objects.select_for_update().select_related("tender__opportunity").get(pk=task.pk)
    )
    _require(
        task.member_id == by.pk or rules.may_work_on(by, task.tender),
        _("Only the team member or the deal's triangle and managers tick it off."),
    )
    if task.done_at is None:
        task.done_at = now or timezone.now()
        task.save(update_fields=["done_at"])
    return task


def _transition(tender: Tender, method: str, by, now: datetime, comment: str = "") -> None:
    source = tender.state
    getattr(tender, method)(at=now)
    deadlines.sync(tender, by=by, now=now)
    tender.save()
    log_transition(
        obj=tender,
        transition=method,
        source=source,
        target=tender.state,
        actor=by,
        at=now,
        comment=comment,
    )


@transaction.atomic
def submit_tender(
    *, tender: Tender, by, price=None, currency: str = "", now: datetime | None = None
) -> Tender:
    """Submitted at ``price``: refused while the price is missing or a bid-team task is open."""
    now = now or timezone.now()
    tender = _locked(tender.pk)
    _require(rules.may_work_on(by, tender), _("Only the iron triangle and its managers submit."))
    if price not in (None, ""):
        tender.submitted_price = _money(price, "price")
    if currency:
        tender.price_currency = _currency(currency, "currency", tender.price_currency)
    ensure_can(tender, "submit", _("The bid cannot be submitted yet."))
    _transition(tender, "submit", by, now)
    return tender


@transaction.atomic
def win_tender(*, tender: Tender, by, note: str = "", now: datetime | None = None) -> Tender:
    now = now or timezone.now()
    tender = _locked(tender.pk)
    _require(rules.may_decide(by, tender), _("Only the AR or a manager records the result."))
    tender.result_note = (note or "").strip()
    ensure_can(tender, "win", _("The tender cannot be won now."))
    _transition(tender, "win", by, now, comment=tender.result_note)
    return tender


@transaction.atomic
def lose_tender(
    *,
    tender: Tender,
    by,
    winner: str,
    winning_price=None,
    winning_currency: str = "",
    note: str = "",
    close_deal: bool = False,
    reason: str = "",
    lessons: str = "",
    now: datetime | None = None,
) -> Tender:
    """Lost to ``winner`` at ``winning_price``. The winner joins the deal's competitors; with
    ``close_deal`` the deal is closed as lost too (its loss review: reason, lessons, winner)."""
    now = now or timezone.now()
    tender = _locked(tender.pk)
    _require(rules.may_decide(by, tender), _("Only the AR or a manager records the result."))
    tender.winner = (winner or "").strip()
    tender.winning_price = _money(winning_price, "winning_price")
    tender.winning_currency = _currency(winning_currency, "winning_currency", tender.price_currency)
    tender.result_note = (note or "").strip()
    extra = []
    if close_deal and not (lessons or "").strip():
        extra.append(Missing("lessons", _("Lessons learned are written down")))
    if close_deal and reason and reason not in LossReason.values:
        raise InvalidInput(_("Choose one of the loss reasons."), "reason")
    ensure_can(tender, "lose", _("The loss cannot be recorded yet."), extra)
    _transition(tender, "lose", by, now, comment=tender.result_note)
    _feed_the_deal(tender, by, close_deal=close_deal, reason=reason, lessons=lessons, now=now)
    return tender


def _feed_the_deal(tender: Tender, by, *, close_deal: bool, reason: str, lessons: str, now):
    opportunity = tender.opportunity
    if not opportunity.is_open:
        return
    if not Competitor.objects.filter(opportunity=opportunity, name=tender.winner).exists():
        deals.add_competitor(
            opportunity=opportunity,
            user=by,
            name=tender.winner,
            strengths=str(
                _("Won tender %(number)s at %(price)s %(currency)s")
                % {
                    "number": tender.number,
                    "price": f"{tender.winning_price:,.2f}",
                    "currency": tender.winning_currency,
                }
            ),
        )
    if close_deal:
        deals.close_lost(
            opportunity=opportunity,
            user=by,
            reason=reason or LossReason.COMPETITOR,
            lessons=lessons,
            competitor=tender.winner,
            now=now,
        )


@transaction.atomic
def cancel_tender(*, tender: Tender, by, note: str, now: datetime | None = None) -> Tender:
    """Cancelled by the issuer (or withdrawn by us), with the reason."""
    now = now or timezone.now()
    tender = _locked(tender.pk)
    _require(rules.may_decide(by, tender), _("Only the AR or a manager cancels the tender."))
    tender.result_note = (note or "").strip()
    ensure_can(tender, "cancel", _("The tender cannot be cancelled."))
    _transition(tender, "cancel", by, now, comment=tender.result_note)
    return tender


@transaction.atomic
def return_bond(*, tender: Tender, by, on: date | None = None) -> Tender:
    """The issuer returned the bid bond (after the result): no longer outstanding."""
    tender = _locked(tender.pk)
    _require(rules.may_work_on(by, tender), _("Only the iron triangle and its managers record it."))
    on = on or timezone.localdate()
    missing = []
    if not tender.bond_amount:
        missing.append(Missing("bond_amount", _("A bid bond was paid")))
    elif tender.bond_returned_on is not None:
        missing.append(Missing("bond_returned_on", _("The bond is not returned yet")))
    if tender.state in ACTIVE_STATES:
        missing.append(Missing("state", _("The tender is decided or cancelled")))
    if missing:
        raise TransitionRefused(_("The bond return cannot be recorded."), missing)
    check_business_date(on, field="on")
    tender.bond_returned_on = on
    tender.save(update_fields=["bond_returned_on", "updated_at"])
    log_transition(
        obj=tender,
        transition="return_bond",
        source=tender.state,
        target=tender.state,
        actor=by,
        comment=on.isoformat(),
    )
    return tender
