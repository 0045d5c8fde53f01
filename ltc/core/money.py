"""Money is Decimal with a currency code; quantised once at the edge, never a float."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
MAX_DIGITS = 16
DECIMAL_PLACES = 2


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    HKD = "HKD", _("Hong Kong dollar")


def default_currency() -> str:
    return settings.LTC_DEFAULT_CURRENCY


def quantize(amount) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("max_digits", MAX_DIGITS)
    kwargs.setdefault("decimal_places", DECIMAL_PLACES)
    return models.DecimalField(**kwargs)


def currency_field(**kwargs) -> models.CharField:
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("choices", Currency.choices)
    kwargs.setdefault("default", default_currency)
    kwargs.setdefault("verbose_name", _("currency"))
    return models.CharField(**kwargs)


def format_money(amount, currency: str = "") -> str:
    """An amount as messages show it: grouped by thousands, two decimals, then the currency
    (“1,000,000.00 CNY”; the same in Chinese)."""
    text = f"{quantize(amount or 0):,.2f}"
    return f"{text} {currency}" if currency else text
