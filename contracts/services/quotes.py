"""Quotes: their lines and costs, versions, the discount approval, sending and the answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.dates import check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed
from ltc.core.money import Currency, quantize
from ltc.org.scoping import managers_of
from opportunities.models import Opportunity

from .. import fields as commercial_fields
from .. import pricing
from ..models import (
    HUNDRED,
    CommercialPolicy,
    Quote,
    QuoteLine,
    QuoteState,
)
from .rules import new_quote_action, quote_actions


# Quotes ------------------------------------------------------------------------------------------
def _clean_lines(
    lines, *, price_book=None, currency: str = "", day: date | None = None
) -> list[dict]:
    """The lines as stored: numbers checked, product lines priced from ``price_book``
    (``contracts.pricing``: the list price is the book's, never the input's)."""
    # Over 60 lines on purpose: one pass checks every input and gathers every error, so the refusal
    # names them all.
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
    # Over 60 lines on purpose: one transaction on rows taken in the lock order; kept whole so that
    # order reads top to bottom.
    opportunity = Opportunity.objects.select_for_update(of=("self",)).get(pk=opportunity.pk)
    new_quote_action(by, opportunity).require()
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
    quote_actions(by, quote)["edit"].require()
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
    # The field table's own 403 names the field; the action adds the quote's state.
    commercial_fields.require_right(by, QuoteLine(quote=quote), "unit_cost")
    quote_actions(by, quote)["costs"].require()
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
    quote_actions(by, quote)["submit"].require()
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
    method = "approve" if approve else "reject"
    decision = quote_actions(by, quote)[method]
    decision.require_permitted()
    if not approve and not (comment or "").strip():
        raise InvalidInput(_("Say why the discount is refused."), "comment")
    decision.require()
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
    quote_actions(by, quote)["send"].require()
    source = quote.state
    method = "send_approved" if quote.state == QuoteState.APPROVED else "send"
    getattr(quote, method)(at=timezone.now())
    quote.save()
    log_transition(obj=quote, transition="send", source=source, target=quote.state, actor=by)
    return quote


@transaction.atomic
def record_quote_answer(*, quote: Quote, by, accepted: bool) -> Quote:
    quote = _locked_quote(quote)
    method = "accept" if accepted else "decline"
    quote_actions(by, quote)[method].require()
    getattr(quote, method)()
    quote.save()
    log_transition(
        obj=quote, transition=method, source=QuoteState.SENT, target=quote.state, actor=by
    )
    return quote
