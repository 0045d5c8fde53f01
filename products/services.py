"""Every change to the catalogue: products, price books, list prices (admins and the ERP) and
cost prices (finance). The ERP's upserts by external id are idempotent, also when two of its
calls race: the unique constraint refuses the second insert, which then updates the first row."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, NotAllowed

from .models import CostPrice, PriceBook, PriceBookEntry, Product
from .querysets import may_edit_catalogue, may_edit_costs

PRODUCT_FIELDS = {"code", "name_zh_hans", "name_en", "family", "unit", "type", "active"}
PRICE_BOOK_FIELDS = {"name", "is_standard", "currency", "valid_from", "valid_to", "active"}


def require_catalogue_editor(by) -> None:
    if not may_edit_catalogue(by):
        raise NotAllowed(_("Only an administrator or the ERP may change the catalogue."))


def _save(instance: models.Model, fields: dict, allowed: set[str]) -> models.Model:
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(_("This field cannot be set here."), sorted(unknown)[0])
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def save_product(*, by, product: Product | None = None, **fields) -> Product:
    require_catalogue_editor(by)
    return _save(product or Product(), fields, PRODUCT_FIELDS | {"external_id"})


def save_price_book(*, by, price_book: PriceBook | None = None, **fields) -> PriceBook:
    require_catalogue_editor(by)
    return _save(price_book or PriceBook(), fields, PRICE_BOOK_FIELDS | {"external_id"})


def _upsert(model, *, external_id: str, create: Callable, update: Callable):
    """``(row, created)`` for the row the ERP knows as ``external_id``."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise InvalidInput(_("The external id is 1 to 100 characters."), "external_id")
    existing = model.objects.filter(external_id=external_id).first()
    if existing is not None:
        return update(existing), False
    try:
        with transaction.atomic():
            return create(external_id), True
    except (IntegrityError, ValidationError) as error:
        # A concurrent call inserted it first: the constraint waited for its commit, or the
        # model's unique check already saw its code. Then this call updates that row.
        existing = model.objects.filter(external_id=external_id).first()
        if existing is not None:
            return update(existing), False
        if isinstance(error, ValidationError):
            raise
        raise InvalidInput(_("Another record already uses this code or name."), "code")


def upsert_product(*, external_id: str, by, **fields) -> tuple[Product, bool]:
    require_catalogue_editor(by)
    return _upsert(
        Product,
        external_id=external_id,
        create=lambda ext: save_product(by=by, external_id=ext, **fields),
        update=lambda row: save_product(by=by, product=row, **fields),
    )


def upsert_price_book(*, external_id: str, by, **fields) -> tuple[PriceBook, bool]:
    require_catalogue_editor(by)
    return _upsert(
        PriceBook,
        external_id=external_id,
        create=lambda ext: save_price_book(by=by, external_id=ext, **fields),
        update=lambda row: save_price_book(by=by, price_book=row, **fields),
    )


def set_list_price(
    *, by, price_book: PriceBook, product: Product, list_price: Decimal
) -> tuple[PriceBookEntry, bool]:
    """The product's list price in the book: one entry per book and product, whoever races."""
    require_catalogue_editor(by)
    if list_price is None or Decimal(list_price) < 0:
        raise InvalidInput(_("A list price is zero or more."), "list_price")
    try:
        with transaction.atomic():
            entry, created = PriceBookEntry.objects.select_for_update().get_or_create(
                price_book=price_book, product=product, defaults={"list_price": list_price}
            )
    except IntegrityError:
        entry, created = PriceBookEntry.objects.get(price_book=price_book, product=product), False
    if not created and entry.list_price != Decimal(list_price):
        PriceBookEntry.objects.filter(pk=entry.pk).update(list_price=list_price)
        entry.refresh_from_db()
    return entry, created


def set_cost_price(*, by, product: Product, currency: str, amount: Decimal) -> CostPrice:
    """What one unit costs us in ``currency``; finance's figure (an admin may correct it)."""
    if not may_edit_costs(by):
        raise NotAllowed(_("Only finance or an administrator may change cost prices."))
    if amount is None or Decimal(amount) < 0:
        raise InvalidInput(_("A cost is zero or more."), "amount")
    with transaction.atomic():
        cost = CostPrice.objects.select_for_update().filter(product=product, currency=currency)
        cost = cost.first() or CostPrice(product=product, currency=currency)
        cost.amount = amount
        cost.updated_by = by
        try:
            cost.full_clean()
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise InvalidInput(messages[0], field)
        cost.save()
    return cost
