"""Every operation that changes a quote or a contract. One transaction each; errors name what is
missing. Signing wins the opportunity in the same transaction: both change, or neither."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.dates import LONG_AHEAD_DAYS, check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can, unmet
from ltc.core.money import Currency, quantize
from ltc.integrations.events import emit
from ltc.org.scoping import managers_of
from opportunities import services as deals
from opportunities import tracks as deal_tracks
from opportunities.models import Opportunity, OpportunityState, Review, ReviewKind, ReviewState

from . import fields as commercial_fields
from . import pricing
from .models import (
    HUNDRED,
    ChangeRequest,
    ChangeState,
    CommercialPolicy,
    Contract,
    ContractState,
    ContractVersion,
    CostSource,
    Evaluation,
    PaymentTerm,
    Quote,
    QuoteLine,
    QuoteState,
    Trigger,
)

# Downstream apps (delivery, billing) add what must be true before a contract closes
# (``fn(contract) -> list[Missing]``) and before a change of its amount or payment terms is
# applied (``fn(contract, new_amount, new_terms) -> list[Missing]``, ``new_terms`` the milestones
# after the change as ``clean_terms`` rows, in their order). We never import them.
_CLOSE_CHECKS: list[Callable[[Contract], list[Missing]]] = []
_AMOUNT_CHECKS: list[Callable[[Contract, Decimal, list[dict]], list[Missing]]] = []


def register_close_check(fn):
    _CLOSE_CHECKS.append(fn)
    return fn


def register_amount_check(fn):
    _AMOUNT_CHECKS.append(fn)
    return fn


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


def _deal_url(opportunity_id: int) -> str:
    return f"/opportunities/{opportunity_id}/"


# Quotes ------------------------------------------------------------------------------------------
def _clean_lines(
    lines, *, price_book=None, currency: str = "", day: date | None = None
) -> list[dict]:
    """The lines as stored: numbers checked, product lines priced from ``price_book``
    (``contracts.pricing``: the list price is the book's, never the input's)."""
    if not isinstance(lines, list | tuple) or not lines:
        raise InvalidInput(_("A quote needs at least one line."), "lines")
    pricing.check_price_book(price_book, currency=currency, day=day or timezone.localdate())
    cleaned = []
    for index, (line, product) in enumerate(
        zip(lines, pricing.product_ids(lines), strict=True), start=1
    ):
        if product == -1:
            raise InvalidInput(_("Line %(n)s: unknown product.") % {"n": index}, "lines")
        try:
            quantity = Decimal(str(line.get("quantity", "")))
            given_price = line.get("unit_price")
            unit_price = (
                None
                if product is not None and given_price in (None, "")
                else Decimal(str(given_price if given_price is not None else ""))
            )
            discount = Decimal(str(line.get("discount_percent", "0") or "0"))
            if not (
                quantity.is_finite()
                and (unit_price is None or unit_price.is_finite())
                and discount.is_finite()
            ):
                raise InvalidOperation
            # Checked as stored: 0.001 would be saved as a quantity of 0.00.
            quantity = quantity.quantize(Decimal("0.01"))
            unit_price = None if unit_price is None else quantize(unit_price)
            discount = discount.quantize(Decimal("0.01"))
        except (InvalidOperation, AttributeError, TypeError):
            raise InvalidInput(
                _("Line %(n)s: quantity, unit price and discount must be numbers.") % {"n": index},
                "lines",
            )
        description = str(line.get("description") or line.get("product_code") or "").strip()
        if not description and product is None:
            raise InvalidInput(
                _("Line %(n)s: describe the product or service.") % {"n": index}, "lines"
            )
        if quantity <= 0 or (unit_price or 0) < 0 or not (0 <= discount <= 100):
            raise InvalidInput(
                _(
                    "Line %(n)s: quantity must be positive, price not negative, discount between 0 and 100%%."
                )
                % {"n": index},
                "lines",
            )
        row = {
            "position": index,
            "product": product,
            "list_price": None,
            "product_code": str(line.get("product_code") or "")[:60],
            "description": description[:300],
            "quantity": quantity,
            "unit_price": unit_price,
            "discount_percent": discount,
        }
        # Absent: the line keeps the cost it had (see _carried_costs); given: a cost entry.
        if "unit_cost" in line:
            row["unit_cost"] = _check_unit_cost(line["unit_cost"], index, quantity)
        cleaned.append(row)
    pricing.price_lines(cleaned, price_book=price_book, currency=currency)
    for row in cleaned:
        if row["quantity"] * (row["list_price"] or row["unit_price"]) > Decimal("1e13"):
            raise InvalidInput(
                _("Line %(n)s: the amount is too large.") % {"n": row["position"]}, "lines"
            )
    # Each line fits, but together they must fit the quote's total too (a 500 on PostgreSQL).
    if sum(line["quantity"] * line["unit_price"] for line in cleaned) > Decimal("1e13"):
        raise InvalidInput(_("The quote's total is too large."), "lines")
    return cleaned


def _check_unit_cost(value, index: int, quantity: Decimal) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        cost = Decimal(str(value))
        if not cost.is_finite():
            raise InvalidOperation
        cost = quantize(cost)
    except (InvalidOperation, TypeError):
        raise InvalidInput(_("Line %(n)s: the unit cost must be a number.") % {"n": index}, "lines")
    if cost < 0 or quantity * cost > Decimal("1e13"):
        raise InvalidInput(
            _("Line %(n)s: the unit cost must be between 0 and the largest amount.") % {"n": index},
            "lines",
        )
    return cost


def _line_key(line) -> tuple:
    if isinstance(line, dict):
        return (line["position"], line["product_code"], line["description"])
    return (line.position, line.product_code, line.description)


def _lines_before(lines) -> dict[tuple, QuoteLine]:
    """The lines a new set of lines is compared with: a line stays the same line while its
    position, product code and description stay (its price, quantity or discount may change)."""
    return {_line_key(line): line for line in lines}


def _check_line_rights(quote: Quote, by, lines: list[dict], before: dict[tuple, QuoteLine]):
    """Every priced, discounted or costed value that changes is checked against the field table
    (``contracts.fields``); the refusal names every field refused. A line that stays keeps its
    unit cost when none is given."""
    who = commercial_fields.parties(by, quote)
    refused: dict[str, Missing] = {}
    for line in lines:
        old = before.get(_line_key(line))
        target = old or QuoteLine(quote=quote)
        current = {
            "unit_price": old.unit_price if old else None,
            "discount_percent": old.discount_percent if old else Decimal("0"),
            "unit_cost": old.unit_cost if old else None,
        }
        if "unit_cost" not in line:
            line["unit_cost"] = current["unit_cost"]
        for field, now in current.items():
            item = commercial_fields.refusal(by, target, field, line[field], current=now, who=who)
            if item is not None:
                refused.setdefault(field, item)
    if refused:
        raise NotAllowed(
            _("You may not set: %(fields)s.")
            % {
                "fields": ", ".join(
                    str(commercial_fields.rule(commercial_fields.QUOTE_LINE, f).label)
                    for f in refused
                )
            },
            list(refused.values()),
        )


def _costs_changed(lines: list[dict], before: dict[tuple, QuoteLine]) -> bool:
    return any(
        line["unit_cost"] != (before[key].unit_cost if (key := _line_key(line)) in before else None)
        for line in lines
    )


def _quote_cost(quote: Quote, lines) -> Decimal | None:
    """What the quoted lines cost, once every line has its unit cost; None until then."""
    costs = [line["unit_cost"] if isinstance(line, dict) else line.unit_cost for line in lines]
    if not costs or any(cost is None for cost in costs):
        return None
    return sum(
        (
            quantize((line["quantity"] if isinstance(line, dict) else line.quantity) * cost)
            for line, cost in zip(lines, costs, strict=True)
        ),
        Decimal("0"),
    )


def _apply_catalogue_costs(lines: list[dict]) -> None:
    """A product with a cost price in the quote's currency costs that: finance's figure, not
    one typed on the line (applied after the rights check: nobody typed it)."""
    for line in lines:
        cost = line.pop("_catalogue_cost", None)
        line["cost_from_catalogue"] = cost is not None
        if cost is not None:
            line["unit_cost"] = cost


def _write_lines(quote: Quote, lines: list[dict]) -> None:
    quote.lines.all().delete()
    rows, subtotal, total, max_discount = [], Decimal("0"), Decimal("0"), Decimal("0")
    for line in lines:
        # The list amount is at the book's list price (a typed price for free text).
        list_amount = quantize(line["quantity"] * (line["list_price"] or line["unit_price"]))
        # Rounded once: quantity × unit price × (1 − discount), not the rounded list amount.
        amount = quantize(
            line["quantity"] * line["unit_price"] * (HUNDRED - line["discount_percent"]) / HUNDRED
        )
        off_list = pricing.discount_off_list(
            list_price=line["list_price"],
            unit_price=line["unit_price"],
            discount_percent=line["discount_percent"],
        )
        rows.append(
            QuoteLine(
                quote=quote,
                list_amount=list_amount,
                amount=amount,
                discount_off_list=off_list,
                **line,
            )
        )
        subtotal += list_amount
        total += amount
        max_discount = max(max_discount, off_list)
    QuoteLine.objects.bulk_create(rows)
    quote.subtotal, quote.total = subtotal, total
    quote.discount_total = subtotal - total
    quote.max_discount = max_discount
    quote.priced_on = timezone.localdate()
    quote.needs_approval = bool(
        pricing.approval_reasons(
            rows,
            subtotal=subtotal,
            total=total,
            threshold=CommercialPolicy.current().quote_discount_threshold,
        )
    )
    quote.cost_total = _quote_cost(quote, lines)


@transaction.atomic
def create_quote(
    *,
    opportunity: Opportunity,
    by,
    valid_until: date,
    lines,
    currency: str | None = None,
    notes: str = "",
    price_book=None,
) -> Quote:
    """A new quote for the deal; if it already has one, this is its next version and the old one
    is superseded (it stays readable). Product lines are priced from ``price_book``."""
    opportunity = Opportunity.objects.select_for_update(of=("self",)).get(pk=opportunity.pk)
    _require(
        deals.works_on(by, opportunity),
        _("Only the iron triangle and its managers quote this deal."),
    )
    if opportunity.state != OpportunityState.OPEN:
        raise TransitionRefused(
            _("Closed deals are not quoted."), [Missing("state", _("The opportunity is open"))]
        )
    if currency and currency not in Currency.values:
        raise InvalidInput(_("Unknown currency."), "currency")
    check_business_date(valid_until, field="valid_until")
    currency = currency or opportunity.currency
    cleaned = _clean_lines(lines, price_book=price_book, currency=currency)
    previous = opportunity.quotes.order_by("-version").first()
    version = (previous.version + 1) if previous else 1
    quote = Quote(
        opportunity=opportunity,
        number=f"BJ-{opportunity.pk:05d}-{version}",
        version=version,
        previous=previous,
        currency=currency,
        price_book=price_book,
        valid_until=valid_until,
        notes=notes or "",
        created_by=by,
    )
    # A new version keeps the unit costs of the lines that stay (and who entered them).
    before = _lines_before(previous.lines.all()) if previous else {}
    _check_line_rights(quote, by, cleaned, before)
    if _costs_changed(cleaned, before):
        quote.costs_by, quote.costs_at = by, timezone.now()
    elif previous is not None:
        quote.costs_by, quote.costs_at = previous.costs_by, previous.costs_at
    _apply_catalogue_costs(cleaned)
    quote.save()
    _write_lines(quote, cleaned)
    quote.save()
    if previous and previous.state not in (QuoteState.ACCEPTED, QuoteState.SUPERSEDED):
        source = previous.state
        previous.supersede()
        previous.save()
        log_transition(
            obj=previous,
            transition="supersede",
            source=source,
            target=previous.state,
            actor=by,
            comment=quote.number,
        )
    log_transition(obj=quote, transition="create", source="", target=quote.state, actor=by)
    return quote


def revise_quote(*, quote: Quote, by, valid_until: date | None = None) -> Quote:
    """A revised quote is a new version, starting from the old one's lines."""
    lines = [
        {
            "product": line.product_id,
            "product_code": line.product_code,
            "description": line.description,
            "quantity": line.quantity,
            # A line sold at list follows the book's price today; a lower price stays.
            "unit_price": None if line.unit_price == line.list_price else line.unit_price,
            "discount_percent": line.discount_percent,
        }
        for line in quote.lines.all()
    ]
    return create_quote(
        opportunity=quote.opportunity,
        by=by,
        valid_until=valid_until or quote.valid_until,
        lines=lines,
        currency=quote.currency,
        notes=quote.notes,
        price_book=quote.price_book,
    )


_KEEP = object()


def _line_as_input(line: QuoteLine) -> dict:
    return {
        "product": line.product_id,
        "product_code": line.product_code,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
    }


def _locked_quote(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",))
        .select_related("opportunity", "opportunity__owner")
        .get(pk=quote.pk)
    )


@transaction.atomic
def update_quote(
    *,
    quote: Quote,
    by,
    lines=None,
    valid_until: date | None = None,
    notes: str | None = None,
    price_book=_KEEP,
) -> Quote:
    quote = _locked_quote(quote)
    _require(
        deals.works_on(by, quote.opportunity),
        _("Only the iron triangle and its managers edit this quote."),
    )
    if not quote.is_editable:
        raise TransitionRefused(
            _("Only a draft quote can be edited; revise it to make a new version."),
            [Missing("state", _("The quote is a draft"))],
        )
    if price_book is not _KEEP:
        quote.price_book = price_book
    if lines is None and price_book is not _KEEP:
        # A new book: the product lines are priced again from it.
        lines = [_line_as_input(line) for line in quote.lines.all()]
    if lines is not None:
        cleaned = _clean_lines(lines, price_book=quote.price_book, currency=quote.currency)
        before = _lines_before(quote.lines.all())
        _check_line_rights(quote, by, cleaned, before)
        if _costs_changed(cleaned, before):
            quote.costs_by, quote.costs_at = by, timezone.now()
        _apply_catalogue_costs(cleaned)
        _write_lines(quote, cleaned)
    if valid_until is not None:
        check_business_date(valid_until, field="valid_until")
        quote.valid_until = valid_until
    if notes is not None:
        quote.notes = notes
    quote.save()
    return quote


@transaction.atomic
def set_quote_costs(*, quote: Quote, by, costs) -> Quote:
    """The unit costs of the quote's lines (``[{"position", "unit_cost"}]``, null clears one),
    entered by the deal's SR, finance or a manager, in any state: they are ours, the customer
    never sees them. With every line costed the quote has its cost and margin, and a contract
    drafted from it carries that cost."""
    quote = _locked_quote(quote)
    commercial_fields.require_right(by, QuoteLine(quote=quote), "unit_cost")
    if quote.state == QuoteState.SUPERSEDED:
        raise TransitionRefused(
            _("A superseded quote keeps its costs; enter them on its newest version."),
            [Missing("state", _("The quote is not superseded"))],
        )
    if not isinstance(costs, list | tuple) or not costs:
        raise InvalidInput(_("Give the unit cost of at least one line."), "lines")
    lines = {line.position: line for line in quote.lines.all()}
    changed = []
    for entry in costs:
        position = entry.get("position") if isinstance(entry, dict) else None
        valid = isinstance(position, int) and not isinstance(position, bool)
        line = lines.get(position) if valid else None
        if line is None:
            raise InvalidInput(
                _("The quote has no line at position %(n)s.") % {"n": position}, "lines"
            )
        if line.cost_from_catalogue:
            raise InvalidInput(
                _("Line %(n)s costs what finance set for its product; change it in the catalogue.")
                % {"n": position},
                "lines",
            )
        line.unit_cost = _check_unit_cost(entry.get("unit_cost"), position, line.quantity)
        changed.append(line)
    QuoteLine.objects.bulk_update(changed, ["unit_cost"])
    quote.cost_total = _quote_cost(quote, list(lines.values()))
    quote.costs_by, quote.costs_at = by, timezone.now()
    quote.save(update_fields=["cost_total", "costs_by", "costs_at"])
    return quote


@transaction.atomic
def submit_quote(*, quote: Quote, by) -> Quote:
    """A quote with a discount above the threshold goes to a manager before it can be sent."""
    quote = _locked_quote(quote)
    _require(
        deals.works_on(by, quote.opportunity),
        _("Only the iron triangle and its managers submit this quote."),
    )
    ensure_can(quote, "submit", _("The quote cannot go for approval."))
    quote.submit()
    quote.save()
    log_transition(
        obj=quote, transition="submit", source=QuoteState.DRAFT, target=quote.state, actor=by
    )
    owner_id = quote.opportunity.owner_id
    notify(
        managers_of([owner_id]).get(owner_id, []),
        kind="quote_approval_requested",
        params={
            "number": quote.number,
            "name": quote.opportunity.name,
            "discount": str(quote.max_discount),
        },
        url=f"/contracts/quotes/{quote.pk}/",
    )
    return quote


@transaction.atomic
def decide_quote(*, quote: Quote, by, approve: bool, comment: str = "") -> Quote:
    quote = _locked_quote(quote)
    _require(
        deals.manages_deal(by, quote.opportunity) and by.pk != quote.opportunity.owner_id,
        _("A manager above the deal approves its discounts."),
    )
    if not approve and not (comment or "").strip():
        raise InvalidInput(_("Say why the discount is refused."), "comment")
    method = "approve" if approve else "reject"
    ensure_can(quote, method, _("The quote is not waiting for approval."))
    source = quote.state
    if approve:
        quote.approve(by=by, at=timezone.now())
    else:
        quote.reject()
    quote.save()
    log_transition(
        obj=quote, transition=method, source=source, target=quote.state, actor=by, comment=comment
    )
    notify(
        [quote.opportunity.owner_id],
        kind="quote_decided",
        params={"number": quote.number, "decision": str(quote.get_state_display()), "by": str(by)},
        url=f"/contracts/quotes/{quote.pk}/",
    )
    return quote


@transaction.atomic
def send_quote(*, quote: Quote, by) -> Quote:
    quote = _locked_quote(quote)
    _require(deals.may_steer(by, quote.opportunity), _("Only the AR or a manager sends the quote."))
    source = quote.state
    method = "send_approved" if quote.state == QuoteState.APPROVED else "send"
    ensure_can(quote, method, _("The quote cannot be sent yet."))
    getattr(quote, method)(at=timezone.now())
    quote.save()
    log_transition(obj=quote, transition="send", source=source, target=quote.state, actor=by)
    return quote


@transaction.atomic
def record_quote_answer(*, quote: Quote, by, accepted: bool) -> Quote:
    quote = _locked_quote(quote)
    _require(
        deals.may_steer(by, quote.opportunity),
        _("Only the AR or a manager records the customer's answer."),
    )
    method = "accept" if accepted else "decline"
    ensure_can(quote, method, _("Only a sent quote gets an answer."))
    getattr(quote, method)()
    quote.save()
    log_transition(
        obj=quote, transition=method, source=QuoteState.SENT, target=quote.state, actor=by
    )
    return quote


# Contracts ---------------------------------------------------------------------------------------
def clean_terms(terms) -> list[dict]:
    """Payment milestones: label, percent, trigger (signing, acceptance, date + due_date); they
    must add up to exactly 100%."""
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
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("stage", "customer", "owner")
        .get(pk=opportunity.pk)
    )
    _require(deals.may_steer(by, opportunity), _("Only the AR or a manager drafts the contract."))
    missing = []
    if opportunity.state not in (OpportunityState.OPEN, OpportunityState.WON):
        missing.append(Missing("state", _("The opportunity is open or won")))
    elif opportunity.state == OpportunityState.OPEN and not opportunity.stage.is_signing:
        missing.append(Missing("signing_stage", _("The opportunity is in the signing stage")))
    if (
        Contract.objects.filter(opportunity=opportunity)
        .exclude(state=ContractState.CANCELLED)
        .exists()
    ):
        missing.append(Missing("one_contract", _("The opportunity has no other live contract")))
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


def _require_draft(contract: Contract) -> None:
    if not contract.is_editable:
        raise TransitionRefused(
            _("Only a draft contract is edited; a signed one changes by change request."),
            [Missing("state", _("The contract is a draft"))],
        )


@transaction.atomic
def update_contract(
    *, contract: Contract, by, payment_terms=None, risk_cleared_reason: str = "", **fields
) -> Contract:
    """Edit a draft. Each field that changes is checked against the table of who may set it
    (``contracts.fields``); the refusal (403) names every refused field."""
    contract = _locked_contract(contract)
    _require(
        deals.may_steer(by, contract.opportunity), _("Only the AR or a manager edits the contract.")
    )
    _require_draft(contract)
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
    commercial_fields.require_right(by, contract, "cost_amount")
    _require_draft(contract)
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
    _require_draft(contract)
    if not contract.is_risky:
        raise TransitionRefused(
            _("The contract is not marked risky."),
            [Missing("is_risky", _("The contract is marked risky"))],
        )
    risk_change = _set_commercial_fields(contract, by, {"is_risky": False}, risk_reason=reason)
    contract.save()
    _log_risk(contract, by, risk_change)
    return contract


def escalation_reasons(contract: Contract, floor: Decimal | None = None) -> list[Missing]:
    """Why the contract review needs a second approver, read from what the owners entered: a
    risk raised, no costs entered (an unknown margin is no way around the rule) or a margin
    under the commercial policy's floor."""
    if floor is None:
        floor = CommercialPolicy.current().margin_floor
    reasons = []
    if contract.is_risky:
        reasons.append(Missing("risky", _("The contract is marked risky")))
    if not contract.margin_is_known:
        reasons.append(
            Missing(
                "margin_unknown",
                _("No cost is entered by the SR, finance or a manager: the margin is unknown"),
            )
        )
    elif reviewed_margin(contract) < floor:
        reasons.append(
            Missing(
                "margin_below_floor",
                _("The margin of %(margin)s%% is under the floor of %(floor)s%%")
                % {"margin": reviewed_margin(contract), "floor": floor},
            )
        )
    return reasons


def reviewed_margin(contract: Contract) -> Decimal | None:
    """The margin the review judges: the contract's own, but never above the margin of the quote
    it was drafted from (kept when drafted), so an amount raised afterwards does not lift it."""
    margins = [m for m in (contract.margin_percent, contract.quote_margin_percent) if m is not None]
    return min(margins) if margins else None


def is_escalated(contract: Contract) -> bool:
    return bool(escalation_reasons(contract))


@transaction.atomic
def submit_contract(*, contract: Contract, by, **assessments) -> Contract:
    """Into the contract review: the triangle assesses margin, schedule and cost risk; a manager
    decides, and a risky or thin-margin contract needs a second approver above them."""
    contract = _locked_contract(contract)
    _require(
        deals.may_steer(by, contract.opportunity),
        _("Only the AR or a manager submits the contract."),
    )
    ensure_can(
        contract,
        "submit",
        _("The contract cannot go into review yet."),
        deal_tracks.amount_track_missing(contract.opportunity, contract.amount, contract.currency),
    )
    reasons = escalation_reasons(contract)
    escalated = bool(reasons)
    review = deals.request_review(
        opportunity=contract.opportunity,
        user=by,
        kind=ReviewKind.CONTRACT,
        details={
            "contract": contract.pk,
            "number": contract.number,
            "amount": str(contract.amount),
            "cost_amount": None if contract.cost_amount is None else str(contract.cost_amount),
            "cost_source": contract.cost_source,
            "margin_percent": str(contract.margin_percent) if contract.margin_is_known else None,
            "is_risky": contract.is_risky,
            "escalated": escalated,
            "escalated_because": [reason.code for reason in reasons],
        },
        **assessments,
    )
    if escalated:
        Review.objects.filter(pk=review.pk).update(needs_second_approval=True)
    contract.review = review
    contract.submit()
    contract.save()
    log_transition(
        obj=contract,
        transition="submit",
        source=ContractState.DRAFT,
        target=contract.state,
        actor=by,
        comment=str(_("escalated")) if escalated else "",
    )
    return contract


def decide_contract(*, contract: Contract, by, approve: bool, comment: str = "") -> Contract:
    """Decide the contract's review; the contract follows the review's decision (see receivers)."""
    if contract.state != ContractState.IN_REVIEW or contract.review_id is None:
        raise TransitionRefused(
            _("The contract is not in review."), [Missing("state", _("The contract is in review"))]
        )
    deals.decide_review(review=contract.review, user=by, approve=approve, comment=comment)
    contract.refresh_from_db()
    return contract


def follow_review(*, review: Review, approved: bool, by) -> None:
    """Receiver of ``review_decided``: inside the deciding transaction, move the contract."""
    if review.kind != ReviewKind.CONTRACT:
        return
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("review")
        .filter(review=review, state=ContractState.IN_REVIEW)
        .first()
    )
    if contract is None:
        return
    method = "approve" if approved else "send_back"
    ensure_can(contract, method, _("The contract cannot follow its review."))
    getattr(contract, method)()
    contract.save()
    log_transition(
        obj=contract,
        transition=method,
        source=ContractState.IN_REVIEW,
        target=contract.state,
        actor=by,
        comment=review.comment,
    )


@transaction.atomic
def sign_contract(*, contract: Contract, by, signed_on: date | None = None) -> Contract:
    """Signed: the opportunity becomes won in the same transaction (if either fails, neither
    changes)."""
    contract = _locked_contract(contract)
    _require(
        deals.may_steer(by, contract.opportunity), _("Only the AR or a manager signs the contract.")
    )
    ensure_can(contract, "sign", _("The contract cannot be signed yet."))
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise InvalidInput(_("The signing date cannot be in the future."), "signed_on")
    check_business_date(signed_on, field="signed_on")
    contract.sign(on=signed_on)
    contract.save()
    log_transition(
        obj=contract,
        transition="sign",
        source=ContractState.APPROVED,
        target=contract.state,
        actor=by,
    )
    # A lost or abandoned deal refuses the signing (409, nothing changes): a contract is never
    # signed on a closed deal. The won deal is worth the signed contract (a partner deal won on
    # its registration takes the contract's amount now).
    if contract.opportunity.state != OpportunityState.WON:
        deals.mark_won(
            opportunity=contract.opportunity,
            by=by,
            comment=contract.number,
            won_amount=contract.amount,
            won_currency=contract.currency,
        )
    else:
        deals.set_won_value(
            opportunity=contract.opportunity,
            amount=contract.amount,
            currency=contract.currency,
            by=by,
            reason=str(_("contract %(number)s signed") % {"number": contract.number}),
        )
    emit(
        "contract.signed",
        {
            "contract": contract.pk,
            "number": contract.number,
            "opportunity": contract.opportunity_id,
            "customer": contract.customer_id,
            "amount": contract.amount,
            "currency": contract.currency,
            "signed_on": signed_on,
        },
    )
    return contract


@transaction.atomic
def accept_contract(*, contract: Contract, by) -> Contract:
    """Delivery accepts the signed contract: it is executing from now on."""
    contract = _locked_contract(contract)
    opportunity = contract.opportunity
    _require(
        by.pk == opportunity.fulfillment_owner_id or deals.manages_deal(by, opportunity),
        _("The FR of the deal (or a manager) accepts the contract for delivery."),
    )
    ensure_can(contract, "accept", _("The contract cannot be accepted for delivery yet."))
    contract.accept(at=timezone.now())
    contract.save()
    log_transition(
        obj=contract,
        transition="accept",
        source=ContractState.SIGNED,
        target=contract.state,
        actor=by,
    )
    return contract


@transaction.atomic
def record_evaluation(
    *,
    contract: Contract,
    by,
    profitability: str,
    schedule_kept: bool,
    acceptance_smooth: bool,
    lessons: str,
    score: int,
) -> Evaluation:
    contract = _locked_contract(contract)
    opportunity = contract.opportunity
    _require(
        deals.works_on(by, opportunity),
        _("The iron triangle and its managers evaluate the contract."),
    )
    if contract.state != ContractState.EXECUTING:
        raise TransitionRefused(
            _("A contract is evaluated while it is executing, before it closes."),
            [Missing("state", _("The contract is executing"))],
        )
    if profitability not in Evaluation.Profitability.values:
        raise InvalidInput(_("Choose a profitability."), "profitability")
    if not (lessons or "").strip():
        raise InvalidInput(_("Write the lessons learned."), "lessons")
    if isinstance(score, bool) or not isinstance(score, int) or not (1 <= score <= 5):
        raise InvalidInput(_("The score is 1 to 5."), "score")
    evaluation, _created = Evaluation.objects.update_or_create(
        contract=contract,
        defaults={
            "profitability": profitability,
            "schedule_kept": bool(schedule_kept),
            "acceptance_smooth": bool(acceptance_smooth),
            "lessons": lessons,
            "score": score,
            "by": by,
            "at": timezone.now(),
        },
    )
    return evaluation


def close_missing(contract: Contract) -> list[Missing]:
    missing = []
    for check in _CLOSE_CHECKS:
        missing.extend(check(contract))
    return missing


@transaction.atomic
def close_contract(*, contract: Contract, by) -> Contract:
    """Closed only when every order is delivered, invoiced and paid (checks registered by the
    delivery and billing apps) and the closing evaluation is recorded."""
    contract = _locked_contract(contract)
    _require(
        deals.may_steer(by, contract.opportunity),
        _("Only the AR or a manager closes the contract."),
    )
    ensure_can(contract, "close", _("The contract cannot be closed yet."), close_missing(contract))
    contract.close(at=timezone.now())
    contract.save()
    log_transition(
        obj=contract,
        transition="close",
        source=ContractState.EXECUTING,
        target=contract.state,
        actor=by,
    )
    return contract


@transaction.atomic
def cancel_contract(*, contract: Contract, by, reason: str) -> Contract:
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the contract is cancelled."), "reason")
    contract = _locked_contract(contract)
    _require(
        deals.may_steer(by, contract.opportunity),
        _("Only the AR or a manager cancels the contract."),
    )
    source = contract.state
    ensure_can(
        contract, "cancel", _("A signed contract cannot be cancelled; change it by change request.")
    )
    contract.cancel(reason=reason)
    contract.save()
    if contract.review_id and contract.review.state == ReviewState.PENDING:
        # The pending review has nothing left to decide: it closes with the contract.
        review = Review.objects.select_for_update().get(pk=contract.review_id)
        review.reject(by=by, at=timezone.now(), comment=reason)
        review.save()
        log_transition(
            obj=review,
            transition="reject",
            source=ReviewState.PENDING,
            target=review.state,
            actor=by,
            comment=reason,
        )
    log_transition(
        obj=contract,
        transition="cancel",
        source=source,
        target=contract.state,
        actor=by,
        comment=reason,
    )
    return contract


# Change requests -------------------------------------------------------------------------------
@transaction.atomic
def request_change(
    *, contract: Contract, by, description: str, amount_delta=Decimal("0"), new_terms=None
) -> ChangeRequest:
    contract = _locked_contract(contract)
    _require(
        deals.may_steer(by, contract.opportunity),
        _("Only the AR or a manager requests a contract change."),
    )
    if contract.state not in (ContractState.SIGNED, ContractState.EXECUTING):
        raise TransitionRefused(
            _("Only a signed contract changes by change request."),
            [Missing("state", _("The contract is signed or executing"))],
        )
    if not (description or "").strip():
        raise InvalidInput(_("Describe the change."), "description")
    try:
        delta = Decimal(str(amount_delta or "0"))
        if not delta.is_finite():
            raise InvalidOperation
        delta = quantize(delta)
    except InvalidOperation:
        raise InvalidInput(_("The amount change must be a number."), "amount_delta")
    if contract.amount + delta <= 0:
        raise InvalidInput(_("The contract amount must stay positive."), "amount_delta")
    terms = None
    if new_terms:
        terms = [
            {
                **t,
                "percent": str(t["percent"]),
                "due_date": t["due_date"].isoformat() if t["due_date"] else None,
            }
            for t in clean_terms(new_terms)
        ]
    if delta == 0 and terms is None:
        raise InvalidInput(
            _("A change request changes the amount or the payment terms."), "amount_delta"
        )
    change = ChangeRequest.objects.create(
        contract=contract,
        description=description,
        amount_delta=delta,
        new_terms=terms,
        requested_by=by,
        requested_at=timezone.now(),
    )
    log_transition(obj=change, transition="request", source="", target=change.state, actor=by)
    opportunity = contract.opportunity
    notify(
        {u for u in (opportunity.solution_owner_id, opportunity.fulfillment_owner_id) if u},
        kind="change_requested",
        params={"number": contract.number, "description": description[:80]},
        url=f"/contracts/{contract.pk}/",
    )
    return change


def _locked_change(change: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("contract", "contract__opportunity", "contract__opportunity__owner")
        .get(pk=change.pk)
    )


@transaction.atomic
def assess_change(
    *, change: ChangeRequest, by, fr_assessment: str | None = None, sr_assessment: str | None = None
) -> ChangeRequest:
    """FR judges deliverability and cost, SR the technical side; with both it is reviewed."""
    change = _locked_change(change)
    opportunity = change.contract.opportunity
    manager = deals.manages_deal(by, opportunity)
    if change.state != ChangeState.REQUESTED:
        raise TransitionRefused(
            _("The change request is no longer waiting for assessments."),
            [Missing("state", _("The change request is requested"))],
        )
    if fr_assessment:
        _require(
            by.pk == opportunity.fulfillment_owner_id or manager,
            _("The FR of the deal writes this assessment."),
        )
        change.fr_assessment = fr_assessment
    if sr_assessment:
        _require(
            by.pk == opportunity.solution_owner_id or manager,
            _("The SR of the deal writes this assessment."),
        )
        change.sr_assessment = sr_assessment
    if not (fr_assessment or sr_assessment):
        raise InvalidInput(_("Write an assessment."), "fr_assessment")
    if not unmet(change, "mark_reviewed"):
        change.mark_reviewed()
        log_transition(
            obj=change,
            transition="review",
            source=ChangeState.REQUESTED,
            target=change.state,
            actor=by,
        )
    change.save()
    return change


@transaction.atomic
def decide_change(*, change: ChangeRequest, by, approve: bool, comment: str = "") -> ChangeRequest:
    change = _locked_change(change)
    opportunity = change.contract.opportunity
    _require(
        deals.manages_deal(by, opportunity) and by.pk != opportunity.owner_id,
        _("A manager above the deal decides its changes."),
    )
    if not approve and not (comment or "").strip():
        raise InvalidInput(_("Say why the change is rejected."), "comment")
    method = "approve" if approve else "reject"
    ensure_can(change, method, _("The change request cannot be decided yet."))
    source = change.state
    getattr(change, method)(by=by, at=timezone.now(), comment=comment)
    change.save()
    log_transition(
        obj=change, transition=method, source=source, target=change.state, actor=by, comment=comment
    )
    return change


@transaction.atomic
def apply_change(*, change: ChangeRequest, by) -> Contract:
    """Applying changes the amount and/or terms and makes a new contract version; the old
    versions stay readable."""
    change = _locked_change(change)
    contract = _locked_contract(change.contract)
    _require(
        deals.may_steer(by, contract.opportunity), _("Only the AR or a manager applies the change.")
    )
    ensure_can(change, "apply", _("Only an approved change can be applied."))
    if contract.state not in (ContractState.SIGNED, ContractState.EXECUTING):
        raise TransitionRefused(
            _("Only a signed or executing contract changes."),
            [Missing("state", _("The contract is signed or executing"))],
        )
    new_amount = contract.amount + change.amount_delta
    new_terms = clean_terms(change.new_terms) if change.new_terms else _terms_as_rows(contract)
    missing = [m for check in _AMOUNT_CHECKS for m in check(contract, new_amount, new_terms)]
    if new_amount <= 0:
        missing.append(Missing("amount", _("The contract amount stays positive")))
    if missing:
        raise TransitionRefused(_("The change cannot be applied."), missing)
    contract.amount = new_amount
    contract.version += 1
    contract.save()
    if change.new_terms:
        _write_terms(contract, clean_terms(change.new_terms))
    _snapshot(contract, by, change.description)
    change.apply(at=timezone.now(), version=contract.version)
    change.save()
    log_transition(
        obj=change, transition="apply", source=ChangeState.APPROVED, target=change.state, actor=by
    )
    log_transition(
        obj=contract,
        transition="change",
        source=contract.state,
        target=contract.state,
        actor=by,
        comment=f"v{contract.version}: {change.description[:200]}",
    )
    if change.amount_delta:
        deals.set_won_value(
            opportunity=contract.opportunity,
            amount=contract.amount,
            currency=contract.currency,
            by=by,
            reason=f"{contract.number} v{contract.version}",
        )
    return contract
