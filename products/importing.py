"""Catalogue import from CSV or Excel: one row per product, and its list price in a book (and
its cost, for who may set costs). Each row is its own transaction and gets its own line in the
report; a bad row changes nothing and says why. Parsing is the shared ``ltc.core.uploads``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.errors import DomainError
from ltc.core.money import Currency, format_money
from ltc.core.uploads import UploadRefused, read_rows, records_of

from . import services
from .models import PriceBook, Product, ProductFamily, ProductType
from .querysets import may_edit_costs

MAX_ROWS = 5000
HEADER_ALIASES = {
    "code": "code",
    "product_code": "code",
    "编码": "code",
    "代码": "code",
    "产品编码": "code",
    "name_zh_hans": "name_zh_hans",
    "name (chinese)": "name_zh_hans",
    "chinese name": "name_zh_hans",
    "中文名称": "name_zh_hans",
    "名称": "name_zh_hans",
    "name_en": "name_en",
    "name (english)": "name_en",
    "english name": "name_en",
    "英文名称": "name_en",
    "family": "family",
    "product family": "family",
    "产品系列": "family",
    "系列": "family",
    "unit": "unit",
    "单位": "unit",
    "type": "type",
    "类型": "type",
    "active": "active",
    "启用": "active",
    "price_book": "price_book",
    "price book": "price_book",
    "价格表": "price_book",
    "list_price": "list_price",
    "list price": "list_price",
    "目录价": "list_price",
    "cost": "cost",
    "成本价": "cost",
    "成本": "cost",
    "cost_currency": "cost_currency",
    "cost currency": "cost_currency",
    "成本币种": "cost_currency",
}
TYPES = {
    **{t.value: t.value for t in ProductType},
    "设备": ProductType.EQUIPMENT,
    "软件": ProductType.SOFTWARE,
    "服务": ProductType.SERVICE,
    "安装": ProductType.INSTALLATION,
}
# The columns by the names the form's help and the user use, in the user's language.
COLUMN_LABELS = {
    "code": gettext_lazy("code"),
    "name_zh_hans": gettext_lazy("Chinese name"),
    "name_en": gettext_lazy("English name"),
    "family": gettext_lazy("product family"),
    "unit": gettext_lazy("unit"),
    "type": gettext_lazy("type"),
    "active": gettext_lazy("active"),
    "price_book": gettext_lazy("price book"),
    "list_price": gettext_lazy("list price"),
    "cost": gettext_lazy("cost"),
    "cost_currency": gettext_lazy("cost currency"),
}


def column_label(name: str) -> str:
    return str(COLUMN_LABELS.get(name, name))


YES = {"1", "true", "yes", "y", "是", "启用"}
NO = {"0", "false", "no", "n", "否", "停用"}


@dataclass
class RowResult:
    row: int
    ok: bool
    code: str = ""
    product_id: int | None = None
    done: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_upload(upload) -> list[dict | None]:
    header, records = records_of(read_rows(upload, max_rows=MAX_ROWS), HEADER_ALIASES)
    if "code" not in header:
        raise UploadRefused(_("The header must name at least the code column."))
    return records


class RowError(Exception):
    def __init__(self, messages: list[str]):
        self.messages = messages


def _money(value: str, name: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", ""))
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
            raise InvalidOperation
    except InvalidOperation:
        raise RowError([_("%(field)s: a number of zero or more.") % {"field": column_label(name)}])
    return amount.quantize(Decimal("0.01"))


def _product_fields(record: dict, families: dict, existing: Product | None) -> dict:
    fields, errors = {}, []
    for name in ("name_zh_hans", "name_en", "unit"):
        if record.get(name):
            fields[name] = record[name]
    if record.get("family"):
        family = families.get(record["family"])
        if family is None:
            errors.append(
                _("family: no product family has the code %(code)s.") % {"code": record["family"]}
            )
        fields["family"] = family
    if record.get("type"):
        kind = TYPES.get(record["type"].strip().lower(), TYPES.get(record["type"].strip()))
        if kind is None:
            errors.append(_("type: one of equipment, software, service, installation."))
        fields["type"] = kind
    if record.get("active"):
        flag = record["active"].strip().lower()
        if flag not in YES | NO:
            errors.append(_("active: yes or no."))
        fields["active"] = flag in YES
    if existing is None:
        for name in ("name_zh_hans", "name_en", "family"):
            if name not in fields:
                errors.append(
                    _("%(field)s: needed for a new product.") % {"field": column_label(name)}
                )
    if errors:
        raise RowError(errors)
    return fields


def _import_row(record: dict, *, by, families, books) -> RowResult:
    code = record.get("code", "")[:60]
    result = RowResult(row=0, ok=False, code=code)
    if not code:
        raise RowError([_("code: every row names its product.")])
    existing = Product.objects.filter(code=code).first()
    fields = _product_fields(record, families, existing)
    book = None
    if record.get("list_price") or record.get("price_book"):
        book = books.get(record.get("price_book", ""))
        if book is None:
            raise RowError(
                [
                    _("price_book: no price book is named “%(name)s”.")
                    % {"name": record.get("price_book", "")}
                ]
            )
        if not record.get("list_price"):
            raise RowError([_("list_price: give the price in the book.")])
    cost_currency = record.get("cost_currency") or (book.currency if book else "")
    if record.get("cost"):
        if not may_edit_costs(by):
            raise RowError([_("cost: only finance or an administrator set cost prices.")])
        if cost_currency not in Currency.values:
            raise RowError([_("cost_currency: a currency code such as CNY.")])
    with transaction.atomic():
        if fields or existing is None:
            product = services.save_product(by=by, product=existing, code=code, **fields)
            result.done.append(_("created") if existing is None else _("updated"))
        else:
            product = existing
        if book is not None:
            entry, _created = services.set_list_price(
                by=by,
                price_book=book,
                product=product,
                list_price=_money(record["list_price"], "list_price"),
            )
            result.done.append(
                _("list price %(price)s in %(book)s")
                % {"price": format_money(entry.list_price, book.currency), "book": book.name}
            )
        if record.get("cost"):
            cost = services.set_cost_price(
                by=by,
                product=product,
                currency=cost_currency,
                amount=_money(record["cost"], "cost"),
            )
            result.done.append(
                _("cost %(amount)s %(currency)s")
                % {"amount": format_money(cost.amount), "currency": cost.currency}
            )
    result.ok, result.product_id = True, product.pk
    return result


def import_rows(*, records: list[dict | None], by) -> list[RowResult]:
    """Upsert each row's product (by its code), list price and cost; report every row."""
    services.require_catalogue_editor(by)
    families = {f.code: f for f in ProductFamily.objects.all()}
    books = {b.name: b for b in PriceBook.objects.all()}
    results = []
    for number, record in enumerate(records, start=2):
        if record is None:
            continue
        try:
            result = _import_row(record, by=by, families=families, books=books)
        except RowError as error:
            result = RowResult(
                row=number, ok=False, code=record.get("code", ""), errors=error.messages
            )
        except ValidationError as error:
            messages = (
                [f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items()]
                if hasattr(error, "error_dict")
                else list(error.messages)
            )
            result = RowResult(row=number, ok=False, code=record.get("code", ""), errors=messages)
        except DomainError as error:
            result = RowResult(
                row=number, ok=False, code=record.get("code", ""), errors=[str(error.detail)]
            )
        result.row = number
        results.append(result)
    return results
