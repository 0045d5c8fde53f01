from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.money import Currency


class CostPriceForm(forms.Form):
    currency = forms.ChoiceField(label=_("currency"), choices=Currency.choices)
    amount = forms.DecimalField(
        label=_("unit cost"), max_digits=16, decimal_places=2, min_value=Decimal("0")
    )
