"""Drafting a contract: its fields, payment terms, versions, cost assessment and risk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition
from ltc.core.dates import LONG_AHEAD_DAYS, check_business_date
from ltc.core.errors import InvalidInput, TransitionRefused
from ltc.core.money import Currency, quantize
from opportunities import tracks as deal_tracks
from opportunities.models import Opportunity

from .. import fields as commercial_fields
from ..models import (
    HUNDRED,
    Contract,
    ContractVersion,
    CostSource,
    PaymentTerm,
    Quote,
    Trigger,
)
from .rules import contract_actions, new_contract_action


# Contracts ---------------------------------------------------------------------------------------
def clean_terms(terms) -> list[dict]:
    """Payment milestones: label, percent, trigger (signing, acceptance, date + due_date); they
    must add up to exactly 100%."""
    # Over 60 lines on purpose: one pass checks every input and gathers every error, so the refusal
    # names them all.
    if not isinstance(terms, list | tuple) or not terms:
        raise InvalidInput(_("Give the payment terms: at least one milestone."), "payment_terms")
    cleaned = []
    for index, term in enumerate(terms, start=1):
        if not isinstance(term, dict):
            raise InvalidInput(
                _("Milestone %(n)s is not an object.") % {"n": index}, "payment_terms"
            )
        label = str(term.get("label") or "").strip()
        trigger = term.get("trigger")
        try:
            percent = Decimal(str(term.get("percent", "")))
            if not percent.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise InvalidInput(
                _("Milestone %(n)s: the percent must be a number.") % {"n": index}, "payment_terms"
            )
        if not label:
            raise InvalidInput(
                _("Milestone %(n)s: give it a label.") % {"n": index}, "payment_terms"
            )
        if not (Decimal("0") < percent <= HUNDRED) or percent != percent.quantize(Decimal("0.01")):
            raise InvalidInput(
                _("Milestone %(n)s: the percent must be above 0 and at most 100, in hundredths.")
                % {"n": index},
                "payment_terms",
            )
        if trigger not in Trigger.values:
            raise InvalidInput(
                _("Milestone %(n)s: the trigger is signing, acceptance or date.") % {"n": index},
                "payment_terms",
            )
        due = term.get("due_date") or None
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due)
            except ValueError:
                raise InvalidInput(
                    _("Milestone %(n)s: the due date is YYYY-MM-DD.") % {"n": index},
                    "payment_terms",
                )
        check_business_date(due, field="payment_terms", ahead_days=LONG_AHEAD_DAYS)
        if trigger == Trigger.DATE and due is None:
            raise InvalidInput(
                _("Milestone %(n)s: a date milestone needs its due date.") % {"n": index},
                "payment_terms",
            )
        days = term.get("days_to_pay", 30)
        if not isinstance(days, int) or not (0 <= days <= 365):
            raise InvalidInput(
                _("Milestone %(n)s: days to pay is 0 to 365.") % {"n": index}, "payment_terms"
            )
        cleaned.append(
            {
                "position": index,
                "label": label[:200],
                "percent": percent,
                "trigger": trigger,
                "due_date": due if trigger == Trigger.DATE else None,
                "days_to_pay": days,
            }
        )
    total = sum(t["percent"] for t in cleaned)
    if total != HUNDRED:
        raise InvalidInput(
            _("The payment terms add up to %(total)s%%; they must add up to 100%%.")
            % {"total": total},
            "payment_terms",
        )
    return cleaned


def _write_terms(contract: Contract, terms: list[dict]) -> None:
    """The contract's milestones become ``terms`` (``clean_terms`` rows). A milestone that stays
    (same label and trigger) keeps its row, so the invoices naming it still do: rewriting every
    row dropped an invoiced advance's link to its milestone, which then looked uninvoiced. The
    others are created, and the old ones left out are deleted (an invoiced one is refused by its
    deletion guard: it must stay in the new terms)."""
    kept = list(contract.terms.order_by("position", "id"))
    create, update = [], []
    for row in terms:
        match = next(
            (t for t in kept if (t.label, t.trigger) == (row["label"], row["trigger"])), None
        )
        if match is None:
            create.append(PaymentTerm(contract=contract, **row))
            continue
        kept.remove(match)
        for field, value in row.items():
            setattr(match, field, value)
        update.append(match)
    for gone in kept:
        gone.delete()
    if update:
        PaymentTerm.objects.bulk_update(update, fields=sorted({f for row in terms for f in row}))
    PaymentTerm.objects.bulk_create(create)
    if hasattr(contract, "_prefetched_objects_cache"):
        contract._prefetched_objects_cache.pop("terms", None)


def _terms_as_rows(contract: Contract) -> list[dict]:
    """The contract's milestones as ``clean_terms`` rows."""
    return [
        {
            "position": t.position,
            "label": t.label,
            "percent": t.percent,
            "trigger": t.trigger,
            "due_date": t.due_date,
            "days_to_pay": t.days_to_pay,
        }
        for t in contract.terms.all()  # in position order (prefetched or one query)
    ]


def _snapshot(contract: Contract, by, reason: str) -> ContractVersion:
    terms = [
        {
            "label": t.label,
            "percent": str(t.percent),
            "trigger": t.trigger,
            "due_date": t.due_date.isoformat() if t.due_date else None,
            "days_to_pay": t.days_to_pay,
        }
        for t in contract.terms.all()
    ]
    return ContractVersion.objects.create(
        contract=contract,
        version=contract.version,
        amount=contract.amount,
        currency=contract.currency,
        terms=terms,
        reason=reason[:300],
        created_by=by,
        created_at=timezone.now(),
    )


def _check_amount(amount) -> Decimal:
    try:
        amount = Decimal(str(amount))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidInput(_("The amount must be a number."), "amount")
    if amount <= 0 or amount >= Decimal("1e14"):
        raise InvalidInput(_("The amount must be positive."), "amount")
    return quantize(amount)


def _check_cost(cost) -> Decimal | None:
    if cost is None or cost == "":
        return None
    try:
        cost = Decimal(str(cost))
        if not cost.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidInput(_("The cost must be a number."), "cost_amount")
    if cost < 0 or cost >= Decimal("1e14"):
        raise InvalidInput(_("The cost must be zero or more."), "cost_amount")
    return quantize(cost)


# What a contract is written with; who may set each one is the table in ``contracts.fields``.
EDITABLE_FIELDS = tuple(
    f for f in commercial_fields.fields_of(commercial_fields.CONTRACT) if f != "payment_terms"
)


def _clean_contract_fields(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here."), sorted(unknown)[0])
    cleaned = dict(fields)
    if "amount" in cleaned:
        cleaned["amount"] = _check_amount(cleaned["amount"])
    if "cost_amount" in cleaned:
        cleaned["cost_amount"] = _check_cost(cleaned["cost_amount"])
    if "currency" in cleaned and cleaned["currency"] not in Currency.values:
        raise InvalidInput(_("Unknown currency."), "currency")
    for name in ("is_risky",):
        if name in cleaned:
            cleaned[name] = bool(cleaned[name])
    for name in ("title", "our_party", "customer_party", "schedule", "cost_risk", "cost_note"):
        if name in cleaned:
            cleaned[name] = cleaned[name] or ""
    return cleaned


def _set_commercial_fields(contract: Contract, by, changed: dict, *, risk_reason: str = ""):
    """Write the fields whose change the table allowed, keeping who entered the cost, and who
    cleared a risk and why. Answers the risk transition to log once the contract is saved."""
    clearing = "is_risky" in changed and contract.is_risky and not changed["is_risky"]
    raising = "is_risky" in changed and not contract.is_risky and changed["is_risky"]
    if clearing and not (risk_reason or "").strip():
        raise InvalidInput(_("Say why the risk is cleared."), "risk_cleared_reason")
    for name, value in changed.items():
        setattr(contract, name, value)
    if "cost_amount" in changed or "cost_note" in changed:
        contract.cost_source = CostSource.ASSESSMENT if contract.cost_amount is not None else ""
        contract.cost_by, contract.cost_at = by, timezone.now()
    if clearing:
        contract.risk_cleared_by, contract.risk_cleared_at = by, timezone.now()
        contract.risk_cleared_reason = risk_reason.strip()[:2000]
        return ("clear_risk", contract.risk_cleared_reason)
    if raising:
        return ("raise_risk", "")
    return None


def _log_risk(contract: Contract, by, risk_change) -> None:
    if risk_change:
        transition, comment = risk_change
        log_transition(
            obj=contract,
            transition=transition,
            source=contract.state,
            target=contract.state,
            actor=by,
            comment=comment,
        )


@transaction.atomic
def create_contract(
    *,
    opportunity: Opportunity,
    by,
    amount,
    payment_terms,
    currency: str | None = None,
    title: str = "",
    our_party: str = "",
    customer_party: str = "",
    schedule: str = "",
    cost_amount=None,
    cost_note: str = "",
    cost_risk: str = "",
    is_risky: bool = False,
    quote: Quote | None = None,
) -> Contract:
    """A contract is drafted from a deal in its signing stage (or already won). Drafted from a
    quote whose lines are all costed, it carries the quote's cost; otherwise its cost waits for
    the SR, finance or a manager (``assess_contract_cost``)."""
    # Over 60 lines on purpose: one transaction on rows taken in the lock order; kept whole so that
    # order reads top to bottom.
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("stage", "customer", "owner")
        .get(pk=opportunity.pk)
    )
    drafting = new_contract_action(by, opportunity)
    drafting.require_permitted()
    missing = list(drafting.missing)
    if currency and currency not in Currency.values:
        raise InvalidInput(_("Unknown currency."), "currency")
    amount = _check_amount(amount)
    if not missing:
        missing += deal_tracks.amount_track_missing(opportunity, amount, currency or "")
    if missing:
        raise TransitionRefused(
            _("A contract cannot be drafted for this opportunity yet."), missing
        )
    if quote is not None and quote.opportunity_id != opportunity.pk:
        raise InvalidInput(_("The quote belongs to another opportunity."), "quote")
    values = _clean_contract_fields(
        {
            "amount": amount,
            "currency": currency or opportunity.currency,
            "title": title or opportunity.name,
            "our_party": our_party,
            "customer_party": customer_party or opportunity.customer.name,
            "schedule": schedule,
            "cost_amount": cost_amount,
            "cost_note": cost_note,
            "cost_risk": cost_risk,
            "is_risky": is_risky,
        }
    )
    terms = clean_terms(payment_terms)
    # Checked as changes from a new contract's empty fields.
    contract = Contract(
        opportunity=opportunity,
        customer=opportunity.customer,
        quote=quote,
        created_by=by,
        number=f"HT-TMP-{opportunity.pk}-{timezone.now().timestamp()}",
    )
    changed = commercial_fields.changed(contract, values)
    commercial_fields.require(by, contract, changed)
    risk_change = _set_commercial_fields(contract, by, changed)
    if contract.cost_amount is None and quote is not None and quote.cost_total is not None:
        # The quote's costs, entered by their owners, come with it.
        contract.cost_amount, contract.cost_source = quote.cost_total, CostSource.QUOTE
        contract.cost_by, contract.cost_at = quote.costs_by, quote.costs_at
    if quote is not None:
        contract.quote_margin_percent = quote.margin_percent
    contract.save()
    contract.number = f"HT-{timezone.localdate():%Y}-{contract.pk:05d}"
    contract.save(update_fields=["number"])
    _write_terms(contract, terms)
    _snapshot(contract, by, str(_("Drafted")))
    log_transition(obj=contract, transition="create", source="", target=contract.state, actor=by)
    _log_risk(contract, by, risk_change)
    return contract


def _locked_contract(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("opportunity", "opportunity__owner", "opportunity__stage", "review")
        .get(pk=contract.pk)
    )


@transaction.atomic
def update_contract(
    *, contract: Contract, by, payment_terms=None, risk_cleared_reason: str = "", **fields
) -> Contract:
    """Edit a draft. Each field that changes is checked against the table of who may set it
    (``contracts.fields``); the refusal (403) names every refused field."""
    contract = _locked_contract(contract)
    contract_actions(by, contract)["edit"].require()
    changed = commercial_fields.changed(contract, _clean_contract_fields(fields))
    terms = clean_terms(payment_terms) if payment_terms is not None else None
    terms_changed = terms is not None and terms != _terms_as_rows(contract)
    commercial_fields.require(
        by,
        contract,
        {**changed, **({"payment_terms": terms} if terms_changed else {})},
        current={"payment_terms": None},
    )
    risk_change = _set_commercial_fields(contract, by, changed, risk_reason=risk_cleared_reason)
    _refuse_off_track(contract, _("The contract cannot take this amount."))
    contract.save()
    if terms_changed:
        _write_terms(contract, terms)
    ContractVersion.objects.filter(contract=contract, version=contract.version).delete()
    _snapshot(contract, by, str(_("Drafted")))
    _log_risk(contract, by, risk_change)
    return contract


def _refuse_off_track(contract: Contract, detail) -> None:
    missing = deal_tracks.amount_track_missing(
        contract.opportunity, contract.amount, contract.currency
    )
    if missing:
        raise TransitionRefused(detail, missing)


@transaction.atomic
def assess_contract_cost(*, contract: Contract, by, cost_amount, note: str = "") -> Contract:
    """The SR, finance or a manager enters what the contract costs us; the margin follows from
    it against the contract amount. A draft only: the review judges the figures it was
    submitted with."""
    contract = _locked_contract(contract)
    # The field table's own 403 names the field; the action adds the contract's state.
    commercial_fields.require_right(by, contract, "cost_amount")
    contract_actions(by, contract)["costs"].require()
    cost = _check_cost(cost_amount)
    if cost is None:
        raise InvalidInput(_("Give the cost."), "cost_amount")
    _set_commercial_fields(
        contract, by, {"cost_amount": cost, "cost_note": (note or "").strip()[:500]}
    )
    contract.save()
    return contract


@transaction.atomic
def clear_contract_risk(*, contract: Contract, by, reason: str) -> Contract:
    """The SR or FR of the deal (who own its risk assessment) or a manager above it clears the
    risk flag, saying why; the rep who raised it never does."""
    contract = _locked_contract(contract)
    commercial_fields.require_right(by, contract, "is_risky", clearing=True)
    contract_actions(by, contract)["clear_risk"].require()
    risk_change = _set_commercial_fields(contract, by, {"is_risky": False}, risk_reason=reason)
    contract.save()
    _log_risk(contract, by, risk_change)
    return contract
