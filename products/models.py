"""The catalogue (产品目录): product families, products and bundles; price books with a list
price per product; one cost price per product and currency, owned by finance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ltc.core.money import currency_field, money_field

from .querysets import CatalogueQuerySet, CostPriceQuerySet, PriceBookQuerySet, ProductQuerySet


class BilingualName(models.Model):
    """A name in both languages of the UI; ``name`` answers the one being spoken."""

    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("zh"):
            return self.name_zh_hans or self.name_en
        return self.name_en or self.name_zh_hans


def external_id_unique(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_id"],
        condition=~models.Q(external_id=""),
        name=f"{model}_external_id_unique",
    )


class ProductFamily(BilingualName):
    code = models.CharField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("product family")
        verbose_name_plural = _("product families")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductType(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    SOFTWARE = "software", _("Software")
    SERVICE = "service", _("Service")
    INSTALLATION = "installation", _("Installation")


class Product(BilingualName):
    code = models.CharField(_("code"), max_length=60, unique=True)
    family = models.ForeignKey(
        ProductFamily,
        verbose_name=_("product family"),
        related_name="products",
        on_delete=models.PROTECT,
    )
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    type = models.CharField(
        _("type"), max_length=20, choices=ProductType.choices, default=ProductType.EQUIPMENT
    )
    active = models.BooleanField(_("active"), default=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [external_id_unique("product")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bundle(BilingualName):
    """A solution sold as one: a main unit with its options, services and installation."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    active = models.BooleanField(_("active"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BundleComponent(models.Model):
    bundle = models.ForeignKey(Bundle, related_name="components", on_delete=models.CASCADE)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), related_name="+", on_delete=models.PROTECT
    )
    quantity = models.DecimalField(
        _("default quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)

    class Meta:
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "product"], name="bundle_product_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="bundle_component_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.code}"


class PriceBook(models.Model):
    """A list of prices in one currency, valid for a period: the standard book, or one for a
    channel, region or partner tier."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_standard = models.BooleanField(_("standard price book"), default=False)
    currency = currency_field()
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PriceBookQuerySet.as_manager()

    class Meta:
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        ordering = ["-is_standard", "name"]
        constraints = [
            external_id_unique("price_book"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="price_book_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def is_valid_on(self, day: date) -> bool:
        return (
            self.active
            and self.valid_from <= day
            and (self.valid_to is None or self.valid_to >= day)
        )


class PriceBookEntry(models.Model):
    price_book = models.ForeignKey(
        PriceBook, verbose_name=_("price book"), related_name="entries", on_delete=models.PROTECT
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), related_name="prices", on_delete=models.PROTECT
    )
    list_price = money_field(
        verbose_name=_("list price"), validators=[MinValueValidator(Decimal("0"))]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("list price")
        verbose_name_plural = _("list prices")
        ordering = ["price_book", "product__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_book", "product"], name="one_price_per_book_and_product"
            ),
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0), name="list_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.list_price}"


class CostPrice(models.Model):
    """What one unit of a product costs us in a currency; finance keeps it."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), related_name="costs", on_delete=models.PROTECT
    )
    currency = currency_field()
    amount = money_field(verbose_name=_("unit cost"), validators=[MinValueValidator(Decimal("0"))])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CostPriceQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost price")
        verbose_name_plural = _("cost prices")
        ordering = ["product__code", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "currency"], name="one_cost_per_product_and_currency"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.amount} {self.currency}"
