from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.money import Currency


class CostPriceForm(forms.Form):
    currency = forms.ChoiceField(label=_("currency"), choices=Currency.choices)
    amount = forms.DecimalField(
        label=_("unit cost"), max_digits=16, decimal_places=2, min_value=Decimal("0")
    )


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "Columns: code, Chinese name, English name, product family (its code), unit, type "
            "(equipment, software, service, installation), active, price book (its name), list "
            "price, cost, cost currency. A known code updates its product. Headers and types may "
            "be given in Chinese or in English."
        ),
    )
