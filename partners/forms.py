"""The portal's registration form and the channel manager's decision forms. They offer only
what the user may pick; the services decide every rule."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.dates import long_ahead_business_date
from ltc.core.money import Currency
from ltc.org.models import Role, User
from ltc.org.scoping import visible_users

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class RegistrationForm(forms.Form):
    customer_name = forms.CharField(label=_("End customer"), max_length=200)
    project_name = forms.CharField(label=_("Project"), max_length=200)
    amount = forms.DecimalField(
        label=_("Estimated amount"), max_digits=15, decimal_places=2, min_value=Decimal("0.01")
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, initial=Currency.CNY
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), widget=DATE, validators=[long_ahead_business_date]
    )
    description = forms.CharField(
        label=_("Description"), widget=TEXT, max_length=5000, required=False
    )


def ar_candidates(user):
    """The reps and managers the decider may make the deal's AR (never themselves)."""
    return (
        visible_users(user)
        .filter(role__in=[Role.REP, Role.MANAGER])
        .exclude(pk=user.pk)
        .order_by("username")
    )


class AcceptForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Account responsible (AR)"), queryset=User.objects.none()
    )
    note = forms.CharField(
        label=_("Decision note"),
        widget=TEXT,
        max_length=2000,
        required=False,
        help_text=_("Needed when the registration conflicts: say why the partner gets the deal."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = ar_candidates(user)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT, max_length=2000)
