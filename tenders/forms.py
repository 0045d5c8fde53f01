"""The tender's forms: they check the shape of the input; the services decide everything else
(and name every missing item at once)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.money import Currency
from opportunities.models import LossReason

from .models import BidRole

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 2})
MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": 0}


class TenderForm(forms.Form):
    number = forms.CharField(label=_("Tender number"), max_length=100)
    issuer = forms.CharField(label=_("Issuing body"), max_length=200)
    questions_due_at = forms.DateTimeField(
        label=_("Deadline for questions"), required=False, widget=MOMENT
    )
    submission_due_at = forms.DateTimeField(label=_("Deadline for submission"), widget=MOMENT)
    bond_amount = forms.DecimalField(label=_("Bid bond"), required=False, **MONEY)
    bond_currency = forms.ChoiceField(label=_("Currency of the bond"), choices=Currency.choices)
    price_currency = forms.ChoiceField(label=_("Currency of the price"), choices=Currency.choices)


class TaskForm(forms.Form):
    member = forms.ChoiceField(label=_("Team member"))
    role = forms.ChoiceField(label=_("Role in the bid"), choices=BidRole.choices)
    task = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(p.pk, str(p)) for p in people]


class SubmitForm(forms.Form):
    price = forms.DecimalField(label=_("Submitted price"), required=False, **MONEY)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)


class WinForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=TEXT)


class LoseForm(forms.Form):
    winner = forms.CharField(label=_("Winning bidder"), max_length=200, required=False)
    winning_price = forms.DecimalField(label=_("Winning price"), required=False, **MONEY)
    winning_currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=TEXT)
    close_deal = forms.BooleanField(label=_("Close the opportunity as lost too"), required=False)
    reason = forms.ChoiceField(
        label=_("Loss reason"), choices=[("", "—"), *LossReason.choices], required=False
    )
    lessons = forms.CharField(
        label=_("Lessons learned"), required=False, max_length=10000, widget=TEXT
    )


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Reason"), required=False, max_length=5000, widget=TEXT)


class BondReturnForm(forms.Form):
    on = forms.DateField(label=_("Returned on"), required=False, widget=DATE)
