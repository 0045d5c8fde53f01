"""Quote lines priced from the catalogue, and the one rule of discount approval.

A product line's list price comes from the quote's price book (valid on the day the line is
priced, in the quote's currency), never from the input; the rep gives the quantity and either a
discount or a lower unit price (a lower unit price IS a discount). The discount that counts is
off the list price, line by line and in total; a free-text line has no list price, so it always
needs a manager's approval. Unit costs of product lines are finance's cost prices."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, Missing
from ltc.core.money import format_money
from products.models import CostPrice, PriceBook, PriceBookEntry, Product

HUNDRED = Decimal("100")
PERCENT = Decimal("0.01")


def offered_price_books(*, currency: str, day: date) -> QuerySet:
    """The books a quote in ``currency`` dated ``day`` may price from (the editor's choices)."""
    return (
        PriceBook.objects.valid_on(day).filter(currency=currency).order_by("-is_standard", "name")
    )


def check_price_book(price_book: PriceBook | None, *, currency: str, day: date) -> None:
    if price_book is None:
        return
    if not price_book.is_valid_on(day):
        raise InvalidInput(
            _("The price book “%(name)s” is not valid on %(day)s.")
            % {"name": price_book.name, "day": day},
            "price_book",
        )
    if price_book.currency != currency:
        raise InvalidInput(
            _("The price book is in %(book)s, the quote in %(quote)s.")
            % {"book": price_book.currency, "quote": currency},
            "price_book",
        )


def _product_id(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, Product):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def product_ids(lines) -> list[int | None]:
    return [_product_id(line.get("product")) if isinstance(line, dict) else None for line in lines]


def price_lines(lines: list[dict], *, price_book: PriceBook | None, currency: str) -> None:
    """Give each product line its product, list price, default unit price and description, and
    its catalogue cost (``_catalogue_cost``); two queries whatever the number of lines."""
    wanted = {line["product"] for line in lines if line["product"] is not None}
    if not wanted:
        return
    if price_book is None:
        raise InvalidInput(_("Choose the price book the products are priced from."), "price_book")
    entries = {
        entry.product_id: entry
        for entry in PriceBookEntry.objects.filter(
            price_book=price_book, product_id__in=wanted, product__active=True
        ).select_related("product")
    }
    costs = dict(
        CostPrice.objects.filter(product_id__in=wanted, currency=currency).values_list(
            "product_id", "amount"
        )
    )
    for line in lines:
        if line["product"] is None:
            continue
        entry = entries.get(line["product"])
        if entry is None:
            raise InvalidInput(
                _("Line %(n)s: the product is not in the price book “%(book)s”.")
                % {"n": line["position"], "book": price_book.name},
                "lines",
            )
        product = entry.product
        if line["unit_price"] is None:
            line["unit_price"] = entry.list_price
        elif line["unit_price"] > entry.list_price:
            raise InvalidInput(
                _("Line %(n)s: the unit price is above the list price of %(price)s.")
                % {"n": line["position"], "price": format_money(entry.list_price)},
                "lines",
            )
        line["product"] = product
        line["list_price"] = entry.list_price
        line["product_code"] = product.code
        line["description"] = line["description"] or product.name
        line["_catalogue_cost"] = costs.get(product.pk)


def discount_off_list(*, list_price, unit_price, discount_percent) -> Decimal:
    """How far below the list price one unit sells, in percent (unrounded prices, rounded once).
    Without a list price (free text) it is the typed discount."""
    if list_price is None:
        return Decimal(discount_percent).quantize(PERCENT)
    if list_price <= 0:
        return Decimal("0.00")
    net = unit_price * (HUNDRED - discount_percent) / HUNDRED
    return (HUNDRED - net * HUNDRED / list_price).quantize(PERCENT, rounding=ROUND_HALF_UP)


def approval_reasons(lines, *, subtotal, total, threshold) -> list[Missing]:
    """Why a quote needs a manager's approval: every line over the threshold, every free-text
    line, and the whole quote's discount over it. Empty: it may be sent directly."""
    reasons = []
    for line in lines:
        if line.product_id is None and line.product is None:
            reasons.append(
                Missing(
                    f"free_text_{line.position}",
                    _("Line %(n)s is free text (not from the catalogue)") % {"n": line.position},
                )
            )
        elif line.discount_off_list > threshold:
            reasons.append(
                Missing(
                    f"discount_{line.position}",
                    _("Line %(n)s is %(discount)s%% off list, above %(threshold)s%%")
                    % {
                        "n": line.position,
                        "discount": line.discount_off_list,
                        "threshold": threshold,
                    },
                )
            )
    if subtotal > 0:
        overall = ((subtotal - total) * HUNDRED / subtotal).quantize(PERCENT)
        if overall > threshold:
            reasons.append(
                Missing(
                    "discount_total",
                    _("The quote is %(discount)s%% off list in total, above %(threshold)s%%")
                    % {"discount": overall, "threshold": threshold},
                )
            )
    return reasons


def line_needs_approval(line, threshold) -> bool:
    return line.product_id is None or line.discount_off_list > threshold
