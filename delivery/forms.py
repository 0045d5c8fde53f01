"""The order and delivery forms. They validate input shapes only; the services decide every rule
(that the units add up to the order, that the contract has room for it, who ships and accepts)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.forms import MONEY
from ltc.core.dates import business_date
from opportunities.forms import DATE, TEXT

from .models import UnitKind


class OrderForm(forms.Form):
    number = forms.CharField(label=_("PO number"), max_length=60)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    order_date = forms.DateField(label=_("Order date"), widget=DATE, validators=[business_date])


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices, initial=UnitKind.SITE)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    # One of the products of the contract's quote (the view offers them), or none.
    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int, required=False, empty_value=None, choices=[]
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "—")] + [
            (p.pk, f"{p.code} {p.name}") for p in products
        ]


UnitFormSet = forms.formset_factory(UnitForm, extra=3, can_delete=True, max_num=500)


class ShipForm(forms.Form):
    on = forms.DateField(label=_("Shipped on"), widget=DATE, required=False)


class AcceptForm(forms.Form):
    certificate = forms.CharField(label=_("Acceptance certificate"), max_length=200)
    on = forms.DateField(label=_("Accepted on"), widget=DATE, required=False)


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the acceptance corrected?"), max_length=2000, widget=TEXT
    )
