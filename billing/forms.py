"""The billing forms. They validate input shapes only; the services decide every rule (what is
invoiceable, what an invoice owes, who bills)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.forms import MONEY
from ltc.core.dates import business_date
from ltc.core.money import Currency
from opportunities.forms import DATE, TEXT


class InvoiceForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (tax included)"), min_value=Decimal("0.01"), **MONEY
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    payment_days = forms.IntegerField(label=_("Days to pay"), min_value=0, max_value=365)
    description = forms.CharField(label=_("Line description"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class IssueForm(forms.Form):
    on = forms.DateField(label=_("Issued on"), widget=DATE, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=TEXT)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received"), min_value=Decimal("0.01"), **MONEY)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DATE, validators=[business_date])
    reference = forms.CharField(label=_("Bank reference"), max_length=100)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AllocationRowForm(forms.Form):
    """One open invoice of the customer on the payment page: what to apply to it (blank: none)."""

    invoice = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("Allocate"), min_value=Decimal("0.01"), required=False, **MONEY
    )


AllocationFormSet = forms.formset_factory(AllocationRowForm, extra=0, max_num=200)
