"""A small catalogue: chillers and installation in a standard book (valid now), a partner book
(valid now), an expired book, and CNY cost prices."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from products.models import (
    CostPrice,
    PriceBook,
    PriceBookEntry,
    Product,
    ProductFamily,
    ProductType,
)


@dataclass
class Catalogue:
    chillers: ProductFamily
    services: ProductFamily
    chiller: Product
    install: Product
    standard: PriceBook
    partner: PriceBook
    expired: PriceBook


def make_catalogue(org) -> Catalogue:
    today = timezone.localdate()
    chillers = ProductFamily.objects.create(code="CHL", name_zh_hans="冷水机组", name_en="Chillers")
    services = ProductFamily.objects.create(code="SVC", name_zh_hans="服务", name_en="Services")
    chiller = Product.objects.create(
        code="CH-500",
        name_zh_hans="500冷吨离心式冷水机组",
        name_en="500 RT centrifugal chiller",
        family=chillers,
        unit="set",
        type=ProductType.EQUIPMENT,
    )
    install = Product.objects.create(
        code="INST-CH",
        name_zh_hans="冷水机组安装",
        name_en="Chiller installation",
        family=services,
        unit="job",
        type=ProductType.INSTALLATION,
    )
    standard = PriceBook.objects.create(
        name="Standard 2026",
        is_standard=True,
        currency="CNY",
        valid_from=today - timedelta(days=365),
    )
    partner = PriceBook.objects.create(
        name="Partner gold", currency="CNY", valid_from=today - timedelta(days=30)
    )
    expired = PriceBook.objects.create(
        name="Standard 2020",
        currency="CNY",
        valid_from=date(2020, 1, 1),
        valid_to=date(2020, 12, 31),
    )
    for book, chiller_price, install_price in (
        (standard, "1000000", "80000"),
        (partner, "900000", "72000"),
        (expired, "800000", "60000"),
    ):
        PriceBookEntry.objects.create(price_book=book, product=chiller, list_price=chiller_price)
        PriceBookEntry.objects.create(price_book=book, product=install, list_price=install_price)
    CostPrice.objects.create(
        product=chiller, currency="CNY", amount=Decimal("700000"), updated_by=org.finance
    )
    CostPrice.objects.create(
        product=install, currency="CNY", amount=Decimal("50000"), updated_by=org.finance
    )
    return Catalogue(chillers, services, chiller, install, standard, partner, expired)


@pytest.fixture
def catalogue(org):
    return make_catalogue(org)
