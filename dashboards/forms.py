from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.core.money import Currency, default_currency


class TargetForm(forms.Form):
    """A month's target for one team or one rep; the choices are what the user may set."""

    team = forms.ModelChoiceField(queryset=None, required=False, label=_("Team"))
    owner = forms.ModelChoiceField(queryset=None, required=False, label=_("Rep"))
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("YYYY-MM"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    amount = forms.DecimalField(
        label=_("Target amount"), max_digits=16, decimal_places=2, min_value=0
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, initial=default_currency
    )

    def __init__(self, *args, teams, reps, **kwargs):
        super().__init__(*args, **kwargs)
        from ltc.org.models import Team, User

        self.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in teams])
        self.fields["owner"].queryset = User.objects.filter(pk__in=[r.pk for r in reps])
        self.fields["team"].choices = [("", "—")] + [(t.pk, str(t)) for t in teams]
        self.fields["owner"].choices = [("", "—")] + [(r.pk, str(r)) for r in reps]

    def clean(self):
        data = super().clean()
        if bool(data.get("team")) == bool(data.get("owner")):
            raise forms.ValidationError(_("Choose a team or a rep, not both."))
        return data
