"""The demo catalogue: chillers, plant controls, installation, maintenance contracts, spare parts
and software, in both languages; a standard and a partner price book; finance's cost prices; and
a chiller plant bundle. Idempotent: rows are found by their codes and names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from products.models import (
    Bundle,
    BundleComponent,
    CostPrice,
    PriceBook,
    PriceBookEntry,
    Product,
    ProductFamily,
    ProductType,
)

FAMILIES = [
    ("CHL", "冷水机组", "Chillers"),
    ("CTL", "控制系统", "Controls"),
    ("INS", "安装调试", "Installation"),
    ("MNT", "维保合同", "Maintenance contracts"),
    ("SPR", "备件", "Spare parts"),
    ("SWS", "软件与实施", "Software and implementation"),
]

EQ, SW, SV, IN = (
    ProductType.EQUIPMENT,
    ProductType.SOFTWARE,
    ProductType.SERVICE,
    ProductType.INSTALLATION,
)
# code, family, zh-hans, en, unit, type, standard list price, cost
PRODUCTS = [
    (
        "CH-M300",
        "CHL",
        "300冷吨磁悬浮变频离心式冷水机组",
        "300 RT magnetic-bearing centrifugal chiller",
        "台",
        EQ,
        "1280000",
        "905000",
    ),
    (
        "CH-S150",
        "CHL",
        "150冷吨螺杆式冷水机组",
        "150 RT screw chiller",
        "台",
        EQ,
        "560000",
        "392000",
    ),
    (
        "CTL-PLANT",
        "CTL",
        "冷站群控系统",
        "Chiller plant control system",
        "套",
        SW,
        "260000",
        "118000",
    ),
    (
        "CTL-SENSOR",
        "CTL",
        "能耗监测传感器套件",
        "Energy metering sensor kit",
        "套",
        EQ,
        "18000",
        "9600",
    ),
    (
        "INS-CH",
        "INS",
        "冷水机组安装调试",
        "Chiller installation and commissioning",
        "项",
        IN,
        "95000",
        "68000",
    ),
    ("INS-CTL", "INS", "群控系统部署调试", "Plant control deployment", "项", IN, "45000", "30000"),
    (
        "MNT-Y1",
        "MNT",
        "冷站年度维保合同",
        "Chiller plant annual maintenance contract",
        "年",
        SV,
        "120000",
        "78000",
    ),
    ("SV-Y1", "MNT", "年度巡检服务", "Annual inspection service", "年", SV, "80000", "75688"),
    ("SP-2000", "SPR", "主轴备件包", "Spindle spare parts kit", "套", EQ, "42000", "27500"),
    (
        "SW-OPS",
        "SWS",
        "运维平台软件许可",
        "Operations platform licence",
        "套",
        SW,
        "300000",
        "240000",
    ),
    (
        "SW-IMPL",
        "SWS",
        "实施服务（人天）",
        "Implementation service (man-day)",
        "人天",
        SV,
        "2000",
        "2455",
    ),
]
STANDARD = "标准价格表"
PARTNER = "合作伙伴价格表（金牌）"
PARTNER_SHARE = Decimal("0.85")  # gold partners buy 15% under the standard list
BUNDLE = ("SOL-PLANT", "冷站整体解决方案", "Chiller plant solution")
BUNDLE_COMPONENTS = [("CH-M300", "2"), ("CTL-PLANT", "1"), ("INS-CH", "2"), ("MNT-Y1", "1")]


def seed_catalogue(users, result) -> dict[str, PriceBook]:
    families = {}
    for code, zh, en in FAMILIES:
        families[code], created = ProductFamily.objects.update_or_create(
            code=code, defaults={"name_zh_hans": zh, "name_en": en}
        )
        result.add("product families", created)
    year = timezone.localdate().year
    standard, created = PriceBook.objects.update_or_create(
        name=STANDARD,
        defaults={"is_standard": True, "currency": "CNY", "valid_from": date(year - 1, 1, 1)},
    )
    result.add("price books", created)
    partner, created = PriceBook.objects.update_or_create(
        name=PARTNER,
        defaults={
            "currency": "CNY",
            "valid_from": date(year - 1, 1, 1),
            "valid_to": date(year + 1, 12, 31),
        },
    )
    result.add("price books", created)
    products = {}
    for code, family, zh, en, unit, kind, price, cost in PRODUCTS:
        product, created = Product.objects.update_or_create(
            code=code,
            defaults={
                "family": families[family],
                "name_zh_hans": zh,
                "name_en": en,
                "unit": unit,
                "type": kind,
            },
        )
        products[code] = product
        result.add("products", created)
        list_price = Decimal(price)
        for book, amount in ((standard, list_price), (partner, (list_price * PARTNER_SHARE))):
            PriceBookEntry.objects.update_or_create(
                price_book=book, product=product, defaults={"list_price": amount}
            )
        CostPrice.objects.update_or_create(
            product=product,
            currency="CNY",
            defaults={"amount": Decimal(cost), "updated_by": users["finance"]},
        )
    bundle, created = Bundle.objects.update_or_create(
        code=BUNDLE[0], defaults={"name_zh_hans": BUNDLE[1], "name_en": BUNDLE[2]}
    )
    result.add("bundles", created)
    for position, (code, quantity) in enumerate(BUNDLE_COMPONENTS, start=1):
        BundleComponent.objects.update_or_create(
            bundle=bundle,
            product=products[code],
            defaults={"quantity": Decimal(quantity), "position": position},
        )
    return {"standard": standard, "partner": partner}


def product_ids() -> dict[str, int]:
    return dict(Product.objects.values_list("code", "id"))
